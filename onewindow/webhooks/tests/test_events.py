"""Case and handoff events become signed webhooks, queued in the business transaction, filtered per subscriber."""

from __future__ import annotations

import pytest
from django.db import transaction

from onewindow.cases import services as cases
from onewindow.cases.choices import DeliveryMethod
from onewindow.outbox.models import OutboxMessage
from onewindow.outbox.services import deliver_due
from onewindow.supervision import services as supervision
from onewindow.supervision.choices import FeedbackKind
from onewindow.supervision.models import Handoff
from onewindow.testing import person, synthetic_id_number
from onewindow.webhooks import services
from onewindow.webhooks.choices import EventType
from onewindow.webhooks.models import DeliveryAttempt, Subscriber

pytestmark = pytest.mark.django_db


def _subscribe(url, **fields):
    items = fields.pop("items", [])
    departments = fields.pop("departments", [])
    with transaction.atomic():
        s = services.save_subscriber(actor=None, subscriber=Subscriber(name=fields.pop("name", "部门系统"), url=url,
                                                                      **fields))
    s.items.set(items)
    s.departments.set(departments)
    return s


def _topics():
    return list(OutboxMessage.objects.filter(channel="webhook").order_by("id").values_list("topic", flat=True))


def test_every_step_of_a_case_and_its_handoff_is_published(world, receiver):
    subscriber = _subscribe(receiver.url)
    case = world.decided(world.food)
    cases.deliver_case(actor=world.user("clerk"), case=case, method=DeliveryMethod.PICKUP, recipient="张三")
    handoff = supervision.claim_handoff(actor=world.user("liaison"), handoff=Handoff.objects.get(case=case))
    supervision.record_feedback(actor=world.user("liaison"), handoff=handoff, kind=FeedbackKind.FINDING, text="无问题")
    cases.revoke_case(actor=world.user("approver"), case=case, reason="许可依据的法规被修改")
    assert _topics() == [
        EventType.CASE_RECEIVED, EventType.CASE_ACCEPTED, EventType.CASE_DECIDED, EventType.HANDOFF_CREATED,
        EventType.CASE_DELIVERED, EventType.HANDOFF_CLAIMED, EventType.HANDOFF_FEEDBACK, EventType.CASE_REVOKED,
        EventType.HANDOFF_CREATED,
    ]
    deliver_due()
    assert not OutboxMessage.objects.filter(channel="webhook").exclude(status="sent").exists()
    assert [r.event["type"] for r in receiver.requests] == _topics()
    first = receiver.requests[0]
    message = OutboxMessage.objects.filter(channel="webhook").order_by("id").first()
    assert first.key == message.idempotency_key
    assert services.verify_signature(subscriber.secret, first.body, first.header(services.SIGNATURE_HEADER))
    assert first.event["data"]["case"]["number"] == case.number
    assert DeliveryAttempt.objects.filter(subscriber=subscriber, outcome="delivered").count() == 9


def test_envelopes_carry_no_id_number_or_full_personal_name(world, receiver):
    _subscribe(receiver.url)
    world.decided(world.food, applicant=person(3, name="王小明"))
    deliver_due()
    bodies = b"".join(r.body for r in receiver.requests).decode()
    assert synthetic_id_number(3) not in bodies and "王小明" not in bodies and "王**" in bodies


def test_subscribers_get_only_the_events_items_and_departments_they_asked_for(world, receiver):
    decided = _subscribe(receiver.url, name="只要办结", event_types=[EventType.CASE_DECIDED])
    food_only = _subscribe(receiver.url, name="只要食品", items=[world.food])
    market = _subscribe(receiver.url, name="市场监管", departments=[world.market])
    world.decided(world.food)
    world.decided(world.unsupervised)
    by_subscriber: dict[int, list[str]] = {}
    for m in OutboxMessage.objects.filter(channel="webhook").order_by("id"):
        by_subscriber.setdefault(m.payload["subscriber"], []).append(m.topic)
    assert by_subscriber[decided.pk] == [EventType.CASE_DECIDED, EventType.CASE_DECIDED]
    assert by_subscriber[food_only.pk] == [EventType.CASE_RECEIVED, EventType.CASE_ACCEPTED, EventType.CASE_DECIDED,
                                           EventType.HANDOFF_CREATED]
    # The market department supervises food: it gets the handoff, not the bureau's own case steps.
    assert by_subscriber[market.pk] == [EventType.HANDOFF_CREATED]


def test_a_rolled_back_step_publishes_nothing_and_an_inactive_subscriber_gets_nothing(world, receiver):
    _subscribe(receiver.url)
    _subscribe(receiver.url, name="停用", is_active=False)
    world.user("clerk")
    with pytest.raises(RuntimeError), transaction.atomic():
        world.accepted(world.food)
        raise RuntimeError("rolled back")
    assert not OutboxMessage.objects.filter(channel="webhook").exists()
    world.accepted(world.food)
    assert len(_topics()) == 2  # received + accepted, for the active subscriber only


def test_the_signature_is_hmac_sha256_of_the_body_with_the_subscribers_secret(world, receiver):
    import hashlib
    import hmac

    subscriber = _subscribe(receiver.url, secret="s3cret-for-the-county-system")
    world.accepted(world.food)
    deliver_due()
    request = receiver.requests[0]
    expected = "sha256=" + hmac.new(b"s3cret-for-the-county-system", request.body, hashlib.sha256).hexdigest()
    assert request.header(services.SIGNATURE_HEADER) == expected
    assert services.verify_signature(subscriber.secret, request.body, expected)
    assert not services.verify_signature("another-secret-another-secret", request.body, expected)
    assert not services.verify_signature(subscriber.secret, request.body.replace(b"accepted", b"refused"), expected)

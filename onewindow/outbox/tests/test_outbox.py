"""The outbox delivers after commit, retries with backoff, survives outages and alerts when retries run out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from onewindow.audit.models import AuditEvent
from onewindow.messaging.sms import MemoryBackend, queue_sms
from onewindow.outbox import services
from onewindow.outbox.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sms_gateway():
    MemoryBackend.outbox.clear()
    MemoryBackend.fail = False
    yield MemoryBackend
    MemoryBackend.fail = False


def _queue(text="您的办件已受理"):
    with transaction.atomic():
        return queue_sms(phone="13800000000", text=text, topic="case.accepted")


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_enqueue_outside_a_transaction():
    with pytest.raises(RuntimeError):
        services.enqueue(channel="sms", topic="t", destination="1", payload={})


def test_a_queued_sms_is_sent_by_the_worker(sms_gateway):
    message = _queue()
    assert services.deliver_due() == {"sent": 1, "retry": 0, "dead": 0, "skipped": 0}
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 1
    assert sms_gateway.outbox == [("13800000000", "您的办件已受理")]


def test_a_message_written_in_a_rolled_back_transaction_is_never_sent(sms_gateway):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        queue_sms(phone="13800000000", text="x", topic="t")
        1 / 0  # noqa: B018
    assert OutboxMessage.objects.count() == 0


def test_an_outage_is_retried_with_backoff_and_delivered_later(sms_gateway):
    message = _queue()
    sms_gateway.fail = True
    assert services.deliver_due()["retry"] == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert message.available_at > timezone.now()
    assert services.deliver_due()["sent"] == 0  # not due yet
    sms_gateway.fail = False
    OutboxMessage.objects.update(available_at=timezone.now())
    assert services.deliver_due()["sent"] == 1


def test_exhausted_retries_raise_an_audited_alert(sms_gateway):
    message = _queue()
    OutboxMessage.objects.update(max_attempts=2)
    sms_gateway.fail = True
    services.deliver_due()
    OutboxMessage.objects.update(available_at=timezone.now())
    assert services.deliver_due()["dead"] == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD
    assert AuditEvent.objects.filter(action="outbox_exhausted", object_id=str(message.pk)).exists()
    services.retry_dead(actor=None, message=message)
    sms_gateway.fail = False
    assert services.deliver_due()["sent"] == 1


def test_a_claimed_message_is_not_claimed_twice():
    message = _queue()
    now = timezone.now()
    assert services.claim(message.pk, "w1", now)
    assert not services.claim(message.pk, "w2", now)
    # After the lease runs out (a crashed worker), another worker may take it.
    assert services.claim(message.pk, "w2", now + dt.timedelta(seconds=services.LEASE_SECONDS + 1))


def test_backoff_grows_and_is_capped():
    assert services.backoff(1) < services.backoff(2) < services.backoff(5)
    assert services.backoff(50) == dt.timedelta(hours=6)

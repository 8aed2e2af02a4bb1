"""Every decision reaches each supervising department in the decision's own transaction; liaisons claim and
answer; the bureau sees the feedback on the case and on the applicant's later cases."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from onewindow.cases import services as cases
from onewindow.cases.choices import Status
from onewindow.catalog.choices import ItemType
from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.outbox.models import OutboxMessage
from onewindow.supervision import services
from onewindow.supervision.choices import FeedbackKind, HandoffKind, HandoffStatus
from onewindow.supervision.models import Handoff
from onewindow.supervision.selectors import case_supervision
from onewindow.testing import make_item, person
from onewindow.webhooks.models import Message, StaffContact
from onewindow.workdays.calendar import get_calendar

pytestmark = pytest.mark.django_db


def test_an_approval_creates_a_handoff_to_each_supervising_department(world):
    StaffContact.objects.create(user=world.user("liaison"), mobile="13600000009")
    case = world.decided(world.food)
    handoff = Handoff.objects.get(case=case)
    assert handoff.kind == HandoffKind.APPROVAL and handoff.department == world.market
    assert handoff.status == HandoffStatus.PENDING
    assert handoff.claim_due == get_calendar().add_working_days(timezone.localdate(handoff.created_at), 2).date
    # The liaison is told in the app and by SMS (an outbox row, sent after commit).
    assert Message.objects.filter(recipient=world.user("liaison"), topic="handoff.created").exists()
    # The destination is encrypted at rest: compare after decryption, not in SQL.
    sms = OutboxMessage.objects.filter(channel="sms", topic="handoff.created")
    assert "13600000009" in [m.destination for m in sms]


def test_a_handoff_and_its_decision_commit_together_or_not_at_all(world):
    case = world.accepted(world.food)
    approver = world.user("approver")
    case = cases.start_review(actor=approver, case=case)
    with pytest.raises(RuntimeError), transaction.atomic():
        cases.decide_case(actor=approver, case=case, approve=True, opinion="准予")
        assert Handoff.objects.filter(case=case).count() == 1
        raise RuntimeError("the request failed after the decision")
    case.refresh_from_db()
    assert case.status == Status.IN_REVIEW
    assert not Handoff.objects.filter(case=case).exists()


def test_denial_and_revocation_are_handed_off_too(world):
    denied = world.decided(world.food, approve=False)
    assert Handoff.objects.get(case=denied).kind == HandoffKind.DENIAL
    approved = world.decided(world.food)
    cases.revoke_case(actor=world.user("approver"), case=approved, reason="以欺骗手段取得许可")
    assert set(Handoff.objects.filter(case=approved).values_list("kind", flat=True)) == {
        HandoffKind.APPROVAL, HandoffKind.REVOCATION}


def test_a_licensing_item_without_a_supervising_department_goes_to_the_pool(world):
    case = world.decided(world.unsupervised)
    handoff = Handoff.objects.get(case=case)
    assert handoff.department is None and handoff in Handoff.objects.pool()


def test_a_public_service_without_a_supervising_department_creates_nothing(world):
    service = make_item(world.bureau, basic_code="000401001000", name="证明开具", item_type=ItemType.PUBLIC_SERVICE,
                        materials=1)
    case = world.decided(service)
    assert not Handoff.objects.filter(case=case).exists()


def test_a_repeated_signal_creates_no_second_handoff(world):
    case = world.decided(world.food)
    with transaction.atomic():
        again = services.create_handoffs(actor=None, case=case, kind=HandoffKind.APPROVAL)
    assert Handoff.objects.filter(case=case).count() == 1 and again[0].case_id == case.pk


def test_each_licence_change_is_its_own_handoff(world):
    case = world.decided(world.food)
    with transaction.atomic():
        services.handoff_licence_change(actor=None, case=case, licence_reference="v2", description="经营场所变更")
        services.handoff_licence_change(actor=None, case=case, licence_reference="v3", description="法定代表人变更")
        services.handoff_licence_change(actor=None, case=case, licence_reference="v3", description="法定代表人变更")
    changes = Handoff.objects.filter(case=case, kind=HandoffKind.LICENCE_CHANGE)
    assert changes.count() == 2 and "经营场所变更" in changes.order_by("id").first().summary


@pytest.mark.django_db(transaction=True)
def test_handoffs_are_created_only_inside_the_decision_transaction(world):
    case = world.decided(world.food)
    with pytest.raises(RuntimeError):
        services.create_handoffs(actor=None, case=case, kind=HandoffKind.APPROVAL, reference="x")


def test_the_liaison_claims_and_answers_and_the_bureau_sees_it(world):
    case = world.decided(world.food)
    handoff = Handoff.objects.get(case=case)
    liaison = world.user("liaison")
    with pytest.raises(ConflictError):
        services.record_feedback(actor=liaison, handoff=handoff, kind=FeedbackKind.FINDING, text="先反馈")
    handoff = services.claim_handoff(actor=liaison, handoff=handoff)
    assert handoff.status == HandoffStatus.CLAIMED and handoff.claimed_on_time is True
    with pytest.raises(ValidationError) as exc:
        services.record_feedback(actor=liaison, handoff=handoff, kind=FeedbackKind.VISIT, text="现场检查")
    assert "visit_date" in exc.value.message_dict
    services.record_feedback(actor=liaison, handoff=handoff, kind=FeedbackKind.VISIT, text="现场检查，后厨整洁",
                             visit_date=timezone.localdate())
    services.record_feedback(actor=liaison, handoff=handoff, kind=FeedbackKind.PUNISHMENT,
                             text="超范围经营，警告并罚款2000元", follow_up="30日内复查", close=True)
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.CLOSED
    # The approver who decided is told; the case page shows everything.
    assert Message.objects.filter(recipient=world.user("approver"), topic="handoff.feedback").count() == 2
    sup = case_supervision(case)
    assert [f.kind for f in sup["handoffs"][0].feedback.all()] == [FeedbackKind.VISIT, FeedbackKind.PUNISHMENT]
    with pytest.raises(ConflictError):
        services.record_feedback(actor=liaison, handoff=handoff, kind=FeedbackKind.OTHER, text="办结后再反馈")


def test_the_applicants_later_cases_show_earlier_supervision_feedback(world):
    first = world.decided(world.food, applicant=person(7))
    handoff = services.claim_handoff(actor=world.user("liaison"), handoff=Handoff.objects.get(case=first))
    services.record_feedback(actor=world.user("liaison"), handoff=handoff, kind=FeedbackKind.CREDIT,
                             text="列入经营异常名录")
    later = world.accepted(world.food, applicant=person(7))
    other = world.accepted(world.food, applicant=person(8))
    assert [f.text for f in case_supervision(later)["earlier"]] == ["列入经营异常名录"]
    assert case_supervision(other)["earlier"] == []


def test_a_second_claim_conflicts_and_another_department_may_not_claim(world):
    handoff = Handoff.objects.get(case=world.decided(world.food))
    with pytest.raises(ForbiddenError):
        services.claim_handoff(actor=world.user("liaison_health"), handoff=handoff)
    services.claim_handoff(actor=world.user("head"), handoff=handoff)  # the department head may claim too
    with pytest.raises(ConflictError):
        services.claim_handoff(actor=world.user("liaison"), handoff=handoff)


def test_liaisons_see_their_department_and_the_pool_the_bureau_its_cases(world):
    market = Handoff.objects.get(case=world.decided(world.food))
    pool = Handoff.objects.get(case=world.decided(world.unsupervised))
    assert set(Handoff.objects.visible_to(world.user("liaison"))) == {market, pool}
    assert set(Handoff.objects.visible_to(world.user("liaison_health"))) == {pool}
    assert set(Handoff.objects.visible_to(world.user("approver"))) == {market, pool}
    assert set(Handoff.objects.visible_to(world.user("leader"))) == {market, pool}


def test_a_liaison_sees_the_cases_handed_to_their_department_and_no_others(world):
    from onewindow.cases.models import Case

    handed = world.decided(world.food)  # the bureau's case, supervised by the market regulator
    world.decided(world.unsupervised)
    liaison, other = world.user("liaison"), world.user("liaison_health")
    assert handed.department_id == world.bureau.pk
    assert list(Case.objects.visible_to(liaison).values_list("pk", flat=True)) == [handed.pk]
    assert not Case.objects.visible_to(other).filter(pk=handed.pk).exists()

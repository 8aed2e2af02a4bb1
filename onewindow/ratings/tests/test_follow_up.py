"""A bad rating through to rectification: named handler, callback, verification, rectification by the
working-day deadline (or an explanation), and the appeal path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.outbox.models import OutboxMessage
from onewindow.ratings import services
from onewindow.ratings.choices import AppealStatus, Finding, FollowUpAction, FollowUpStatus
from onewindow.ratings.models import FollowUp, Rating
from onewindow.workdays.calendar import get_calendar

pytestmark = pytest.mark.django_db


def bad_rating(case):
    return services.rate_case(actor=None, tracking_code=case.tracking_code, level=5,
                              reasons=["attitude"], comment="窗口人员态度生硬")


def test_a_bad_rating_is_rectified_by_a_named_handler_within_fifteen_working_days(hall, case_factory, at):
    case = case_factory()
    rating = bad_rating(case)
    fu = FollowUp.objects.get(rating=rating)
    expected = get_calendar(hall.centre).add_working_days(dt.date(2026, 3, 10), 15).date
    assert fu.deadline == expected == dt.date(2026, 3, 31)
    assert fu.handler == hall.manager and fu.status == FollowUpStatus.OPEN

    # Out of order and by the wrong people: refused with reasons.
    with pytest.raises(ConflictError):
        services.rectify(actor=hall.manager, follow_up=fu, note="加强培训")
    with pytest.raises(ForbiddenError):
        services.record_callback(actor=hall.clerks["clerk2"], follow_up=fu, note="已回访")
    with pytest.raises(ValidationError):
        services.record_callback(actor=hall.manager, follow_up=fu, note=" ")

    services.record_callback(actor=hall.manager, follow_up=fu, note="已电话联系申请人，了解情况")
    services.verify(actor=hall.manager, follow_up=fu, finding=Finding.SUBSTANTIATED, note="调阅录像，属实")
    at.set(dt.datetime(2026, 3, 20, 15, 0))
    fu = services.rectify(actor=hall.manager, follow_up=fu, note="对窗口人员批评教育并组织服务规范培训")
    assert fu.status == FollowUpStatus.RECTIFIED and fu.on_time is True
    assert [e.action for e in fu.events.all()] == [FollowUpAction.OPEN, FollowUpAction.CALLBACK,
                                                   FollowUpAction.VERIFY, FollowUpAction.RECTIFY]
    sms = OutboxMessage.objects.get(topic="rating.follow_up")
    assert sms.destination == case.contact_phone and "已核实并整改" in sms.payload["text"]


def test_late_rectification_is_recorded_as_late(hall, case_factory, at):
    fu = FollowUp.objects.get(rating=bad_rating(case_factory()))
    services.record_callback(actor=hall.manager, follow_up=fu, note="未接通", reached=False)
    services.verify(actor=hall.manager, follow_up=fu, finding=Finding.PARTLY, note="部分属实")
    at.set(dt.datetime(2026, 4, 1, 10, 0))
    assert services.rectify(actor=hall.manager, follow_up=fu, note="已整改").on_time is False


def test_an_unsubstantiated_complaint_is_explained_not_rectified(hall, case_factory):
    fu = FollowUp.objects.get(rating=bad_rating(case_factory()))
    services.record_callback(actor=hall.manager, follow_up=fu, note="已回访")
    services.verify(actor=hall.manager, follow_up=fu, finding=Finding.UNSUBSTANTIATED, note="按规定需补充材料")
    with pytest.raises(ConflictError, match="不属实"):
        services.rectify(actor=hall.manager, follow_up=fu, note="x")
    assert services.explain(actor=hall.manager, follow_up=fu, note="已向申请人说明法定要求").status == FollowUpStatus.EXPLAINED


def test_the_rated_clerk_may_appeal_and_an_upheld_appeal_takes_the_rating_out(hall, case_factory):
    case = case_factory()
    fu = FollowUp.objects.get(rating=bad_rating(case))
    clerk = hall.clerks["clerk1"]  # received and accepted the case: the completion rating names the approver
    with pytest.raises(ForbiddenError):
        services.appeal(actor=clerk, follow_up=fu, reason="恶意差评")
    approver = fu.rating.staff
    services.appeal(actor=approver, follow_up=fu, reason="申请人要求违规办理，录像为证")
    with pytest.raises(ConflictError):
        services.appeal(actor=approver, follow_up=fu, reason="again")
    with pytest.raises(ForbiddenError):
        services.decide_appeal(actor=approver, follow_up=fu, upheld=True, note="自己批准")
    fu = services.decide_appeal(actor=hall.manager, follow_up=fu, upheld=True, note="经核实为恶意差评")
    assert (fu.status, fu.appeal_status) == (FollowUpStatus.WITHDRAWN, AppealStatus.UPHELD)
    assert Rating.objects.get(pk=fu.rating_id).excluded


def test_a_manager_reassigns_the_handler(hall, case_factory):
    fu = FollowUp.objects.get(rating=bad_rating(case_factory()))
    with pytest.raises(ForbiddenError):
        services.assign_handler(actor=hall.clerks["clerk1"], follow_up=fu, handler=hall.clerks["clerk2"])
    services.assign_handler(actor=hall.manager, follow_up=fu, handler=hall.clerks["clerk2"])
    services.record_callback(actor=hall.clerks["clerk2"], follow_up=fu, note="已回访")
    with pytest.raises(ConflictError, match="已被其他人更新"):
        services.verify(actor=hall.clerks["clerk2"], follow_up=fu, finding="true", note="x", expected_version=1)

"""Ratings (好差评): rating a case stage or a hall visit, the follow-up of bad ratings, invitations.

Every write takes keyword-only `actor=`, runs in one transaction with its audit event; SMS go through the
outbox. One rating per case and stage, one per ticket: checked first for a clear message, and enforced by
partial unique indexes, so two submissions at once still give one rating.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.audit.services import record_event
from onewindow.cases.choices import DONE_STATUSES, Status
from onewindow.cases.models import Case
from onewindow.core import clock
from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.hall.choices import TicketStatus
from onewindow.hall.models import Ticket
from onewindow.org.choices import Role
from onewindow.org.models import StaffRole
from onewindow.workdays.calendar import get_calendar

from . import permissions
from .choices import (
    BAD_LEVELS,
    BAD_REASONS,
    AppealStatus,
    Channel,
    Finding,
    FollowUpAction,
    FollowUpStatus,
    Level,
    Stage,
)
from .models import FollowUp, FollowUpEvent, Rating, RatingInvitation

REASON_CODES = {code for code, _label in BAD_REASONS}


def _actor(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _actor_name(actor: Any) -> str:
    user = _actor(actor)
    if user is None:
        return _("系统")
    return user.first_name or user.get_username()


def public_url(path: str) -> str:
    return f"{settings.ONEWINDOW_PUBLIC_URL.rstrip('/')}{path}"


# ---------------------------------------------------------------------------------------------
# Rating


def _clean_input(level: Any, channel: str, comment: str, reasons: Iterable[str]) -> tuple[int, str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        value = int(level)
    except (TypeError, ValueError):
        value = 0
    if value not in Level.values:
        errors["level"] = [_("请选择评价等级（1 非常满意 … 5 非常不满意）。")]
    if channel not in Channel.values or channel == Channel.DEFAULT:
        errors["channel"] = [_("评价渠道无效。")]
    text = (comment or "").strip()
    if len(text) > 500:
        errors["comment"] = [_("评价内容请不超过500字。")]
    chosen = [r for r in dict.fromkeys(reasons or []) if r]
    if any(r not in REASON_CODES for r in chosen):
        errors["reasons"] = [_("差评原因无效。")]
    elif value in BAD_LEVELS and not chosen and not text:
        errors["reasons"] = [_("请告诉我们不满意的原因（勾选或填写），以便核实整改。")]
    if errors:
        raise ValidationError(errors)
    return value, text, chosen


def case_stages_open(case: Case) -> list[str]:
    """Stages of a case that can be rated now (whether or not rated already)."""
    stages: list[str] = []
    if case.accepted_at is not None or case.status == Status.REFUSED:
        stages.append(Stage.ACCEPTANCE)
    if case.status in DONE_STATUSES:
        stages.append(Stage.COMPLETION)
    return stages


def _save_rating(rating: Rating, *, actor: Any, what: str) -> Rating:
    try:
        with transaction.atomic():
            rating.full_clean(exclude=["case", "ticket", "centre", "window", "department", "item", "staff", "rater"])
            rating.save()
    except IntegrityError as exc:
        raise ConflictError(_("%(what)s已经评价过了，每次服务只能评价一次。") % {"what": what}) from exc
    record_event(actor=actor, action="rating_given", obj=rating, summary=f"{rating.get_stage_display()} {rating.level}",
                 data={"level": rating.level, "channel": rating.channel, "case": rating.case_id,
                       "ticket": rating.ticket_id})
    if rating.level in BAD_LEVELS and not rating.is_default:
        open_follow_up(rating, actor=actor)
    return rating


@transaction.atomic
def rate_case(
    *, actor: Any, tracking_code: str = "", case: Case | None = None, stage: str | None = None, level: Any,
    channel: str = Channel.PC, comment: str = "", reasons: Iterable[str] = (),
) -> Rating:
    """一事一评: rate a case at acceptance (受理) or completion (办结). The tracking code (the QR on every
    notice) is the credential, like the tracking page itself."""
    value, text, chosen = _clean_input(level, channel, comment, reasons)
    if case is None:
        code = (tracking_code or "").strip()
        case = Case.objects.filter(tracking_code=code).first() if code and len(code) <= 32 else None
    if case is None:
        raise ValidationError({"case": [_("找不到该办件，请核对查询码或扫描办件通知书上的二维码。")]})
    case = Case.objects.select_for_update(of=("self",)).select_related("centre", "handling_centre").get(pk=case.pk)
    open_stages = case_stages_open(case)
    if stage is None:
        stage = Stage.COMPLETION if Stage.COMPLETION in open_stages else (open_stages[0] if open_stages else "")
    if stage not in (Stage.ACCEPTANCE, Stage.COMPLETION):
        raise ValidationError({"stage": [_("评价环节无效（受理或办结）。")]})
    if stage not in open_stages:
        label = Stage(stage).label
        raise ConflictError(_("该办件尚未到“%(s)s”环节，暂不能评价。") % {"s": label})
    if Rating.objects.filter(case=case, stage=stage).exists():
        raise ConflictError(_("该办件的“%(s)s”环节已经评价过了（一事一评）。") % {"s": Stage(stage).label})
    accept = stage == Stage.ACCEPTANCE
    rating = Rating(
        level=value, stage=stage, channel=channel, case=case,
        centre=case.centre if accept else case.handling_centre, window=case.window if accept else None,
        department=case.department, item=case.item, staff=case.clerk if accept else (case.assignee or case.clerk),
        rater=_actor(actor), comment=text, reasons=chosen, real_name=True, created_at=clock.now(),
    )
    return _save_rating(rating, actor=actor, what=_("该办件的“%(s)s”环节") % {"s": Stage(stage).label})


@transaction.atomic
def rate_ticket(
    *, actor: Any, token: str = "", ticket: Ticket | None = None, level: Any, channel: str = Channel.QR,
    comment: str = "", reasons: Iterable[str] = (),
) -> Rating:
    """一次一评: rate one hall visit (the ticket's QR code, the window tablet)."""
    value, text, chosen = _clean_input(level, channel, comment, reasons)
    if ticket is None:
        code = (token or "").strip()
        ticket = Ticket.objects.filter(token=code).first() if code and len(code) <= 32 else None
    if ticket is None:
        raise ValidationError({"ticket": [_("找不到该排队号，请扫描号票上的二维码。")]})
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("window__window", "centre").get(pk=ticket.pk)
    if ticket.status != TicketStatus.DONE:
        raise ConflictError(_("本次服务尚未办结，办结后即可评价。"))
    if Rating.objects.filter(ticket=ticket).exists():
        raise ConflictError(_("%(code)s 号的本次服务已经评价过了（一次一评）。") % {"code": ticket.code})
    first_case = ticket.cases.select_related("item", "department").first()
    rating = Rating(
        level=value, stage=Stage.ON_SITE, channel=channel, ticket=ticket, centre=ticket.centre,
        window=ticket.window.window if ticket.window else None, staff=ticket.clerk,
        department=first_case.department if first_case else None, item=first_case.item if first_case else None,
        rater=_actor(actor), comment=text, reasons=chosen, real_name=bool(ticket.id_key or ticket.phone_key),
        created_at=clock.now(),
    )
    return _save_rating(rating, actor=actor, what=_("%(code)s 号的本次服务") % {"code": ticket.code})


# ---------------------------------------------------------------------------------------------
# Follow-up of bad ratings


def _fu_event(fu: FollowUp, action: str, *, actor: Any, note: str = "", data: dict[str, Any] | None = None) -> None:
    FollowUpEvent.objects.create(follow_up=fu, action=action, at=clock.now(), actor=_actor(actor),
                                 actor_name=_actor_name(actor), note=note, data=data or {})
    record_event(actor=actor, action=f"follow_up_{action}", obj=fu, summary=f"#{fu.pk} {fu.get_status_display()}",
                 data={"rating": fu.rating_id, **(data or {})})


def default_handler(centre_id: int) -> Any:
    role = StaffRole.objects.filter(role=Role.HALL_MANAGER, centre_id=centre_id).select_related("user").order_by("id").first()
    return role.user if role else None


def open_follow_up(rating: Rating, *, actor: Any) -> FollowUp:
    """A bad rating opens a follow-up with a named handler (the centre's hall manager unless reassigned) and
    a deadline of ONEWINDOW_RATING_RECTIFY_WORKING_DAYS working days on the centre's calendar."""
    today = timezone.localtime(rating.created_at).date()
    due = get_calendar(rating.centre_id).add_working_days(today, settings.ONEWINDOW_RATING_RECTIFY_WORKING_DAYS)
    fu = FollowUp.objects.create(rating=rating, centre_id=rating.centre_id, handler=default_handler(rating.centre_id),
                                 deadline=due.date, deadline_provisional=due.provisional, created_at=clock.now())
    _fu_event(fu, FollowUpAction.OPEN, actor=actor, data={"deadline": due.date.isoformat(),
                                                           "handler": fu.handler_id})
    return fu


def _lock(fu: FollowUp) -> FollowUp:
    return FollowUp.objects.select_for_update(of=("self",)).select_related("rating", "rating__case").get(pk=fu.pk)


def _check_version(fu: FollowUp, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != fu.version:
        raise ConflictError(_("该整改单已被其他人更新，请刷新后再操作。"))


def _save(fu: FollowUp, *fields: str) -> None:
    fu.version += 1
    fu.save(update_fields=[*fields, "version"])


def _require_status(fu: FollowUp, allowed: Iterable[str], what: str) -> None:
    if fu.status not in set(allowed):
        raise ConflictError(_("该整改单当前为“%(s)s”，不能%(what)s。") % {"s": fu.get_status_display(), "what": what})


def _require_handler(actor: Any, fu: FollowUp) -> None:
    if not permissions.can_handle(actor, fu):
        raise ForbiddenError(_("只有整改责任人或大厅管理员可以处理该整改单。"))


def _note(note: str, field: str, what: str) -> str:
    text = (note or "").strip()
    if not text:
        raise ValidationError({field: [_("请填写%(what)s。") % {"what": what}]})
    return text


@transaction.atomic
def assign_handler(*, actor: Any, follow_up: FollowUp, handler: Any, expected_version: int | None = None) -> FollowUp:
    fu = _lock(follow_up)
    _check_version(fu, expected_version)
    if not permissions.manages(actor, fu.centre_id):
        raise ForbiddenError(_("只有大厅管理员可以指定整改责任人。"))
    if fu.is_closed:
        raise ConflictError(_("整改单已办结。"))
    if handler is None or not getattr(handler, "is_staff", False):
        raise ValidationError({"handler": [_("请选择一名工作人员作为责任人。")]})
    fu.handler = handler
    _save(fu, "handler")
    _fu_event(fu, FollowUpAction.ASSIGN, actor=actor, note=handler.first_name or handler.get_username(),
              data={"handler": handler.pk})
    return fu


@transaction.atomic
def record_callback(*, actor: Any, follow_up: FollowUp, note: str, reached: bool = True,
                    expected_version: int | None = None) -> FollowUp:
    """回访: the handler calls the rater back and writes down what they said."""
    text = _note(note, "note", _("回访记录"))
    fu = _lock(follow_up)
    _check_version(fu, expected_version)
    _require_handler(actor, fu)
    _require_status(fu, [FollowUpStatus.OPEN], _("登记回访"))
    fu.status = FollowUpStatus.CALLED_BACK
    fu.callback_at = clock.now()
    fu.callback_reached = bool(reached)
    fu.callback_note = text
    if fu.handler_id is None:
        fu.handler = actor
    _save(fu, "status", "callback_at", "callback_reached", "callback_note", "handler")
    _fu_event(fu, FollowUpAction.CALLBACK, actor=actor, note=text, data={"reached": bool(reached)})
    return fu


@transaction.atomic
def verify(*, actor: Any, follow_up: FollowUp, finding: str, note: str,
           expected_version: int | None = None) -> FollowUp:
    """核实: is the complaint substantiated?"""
    if finding not in Finding.values:
        raise ValidationError({"finding": [_("请选择核实结论。")]})
    text = _note(note, "note", _("核实情况"))
    fu = _lock(follow_up)
    _check_version(fu, expected_version)
    _require_handler(actor, fu)
    _require_status(fu, [FollowUpStatus.CALLED_BACK], _("核实"))
    fu.status = FollowUpStatus.VERIFIED
    fu.finding = finding
    fu.verification_note = text
    fu.verified_at = clock.now()
    _save(fu, "status", "finding", "verification_note", "verified_at")
    _fu_event(fu, FollowUpAction.VERIFY, actor=actor, note=text, data={"finding": finding})
    return fu


def _close(fu: FollowUp, status: str, note: str, *, actor: Any) -> None:
    now = clock.now()
    fu.status = status
    fu.resolution_note = note
    fu.resolved_at = now
    fu.on_time = timezone.localtime(now).date() <= fu.deadline
    _save(fu, "status", "resolution_note", "resolved_at", "on_time")


def _tell_rater(fu: FollowUp, text: str) -> None:
    from onewindow.messaging.sms import queue_sms

    case = fu.rating.case
    if case is not None and case.contact_phone:
        queue_sms(phone=case.contact_phone, topic="rating.follow_up", obj=fu, centre_id=fu.centre_id,
                  text=_("您对“%(i)s”的评价：%(t)s 感谢您的监督。") % {"i": case.item.name, "t": text[:120]})


@transaction.atomic
def rectify(*, actor: Any, follow_up: FollowUp, note: str, expected_version: int | None = None) -> FollowUp:
    """整改: the complaint was (partly) substantiated; what was changed. On time if by the deadline."""
    text = _note(note, "note", _("整改措施"))
    fu = _lock(follow_up)
    _check_version(fu, expected_version)
    _require_handler(actor, fu)
    _require_status(fu, [FollowUpStatus.VERIFIED], _("登记整改"))
    if fu.finding == Finding.UNSUBSTANTIATED:
        raise ConflictError(_("核实结论为“不属实”，请填写解释说明，而不是整改。"))
    _close(fu, FollowUpStatus.RECTIFIED, text, actor=actor)
    _fu_event(fu, FollowUpAction.RECTIFY, actor=actor, note=text, data={"on_time": fu.on_time})
    _tell_rater(fu, _("已核实并整改：%(t)s") % {"t": text})
    return fu


@transaction.atomic
def explain(*, actor: Any, follow_up: FollowUp, note: str, expected_version: int | None = None) -> FollowUp:
    """解释说明: instead of rectification, an explanation to the rater (e.g. the rule required it)."""
    text = _note(note, "note", _("解释说明"))
    fu = _lock(follow_up)
    _check_version(fu, expected_version)
    _require_handler(actor, fu)
    _require_status(fu, [FollowUpStatus.VERIFIED], _("登记解释说明"))
    _close(fu, FollowUpStatus.EXPLAINED, text, actor=actor)
    _fu_event(fu, FollowUpAction.EXPLAIN, actor=actor, note=text, data={"on_time": fu.on_time})
    _tell_rater(fu, _("已核实并说明：%(t)s") % {"t": text})
    return fu


@transaction.atomic
def appeal(*, actor: Any, follow_up: FollowUp, reason: str, expected_version: int | None = None) -> FollowUp:
    """申诉: the rated staff member contests a mistaken or malicious rating (once)."""
    text = _note(reason, "reason", _("申诉理由"))
    fu = _lock(follow_up)
    _check_version(fu, expected_version)
    if _actor(actor) is None or fu.rating.staff_id != actor.pk:
        raise ForbiddenError(_("只有被评价的工作人员本人可以申诉。"))
    if fu.is_closed:
        raise ConflictError(_("整改单已办结，不能再申诉。"))
    if fu.appeal_status != AppealStatus.NONE:
        raise ConflictError(_("已经申诉过（%(s)s）。") % {"s": fu.get_appeal_status_display()})
    fu.appeal_status = AppealStatus.PENDING
    fu.appeal_reason = text
    fu.appealed_by = actor
    fu.appealed_at = clock.now()
    _save(fu, "appeal_status", "appeal_reason", "appealed_by", "appealed_at")
    _fu_event(fu, FollowUpAction.APPEAL, actor=actor, note=text)
    return fu


@transaction.atomic
def decide_appeal(*, actor: Any, follow_up: FollowUp, upheld: bool, note: str,
                  expected_version: int | None = None) -> FollowUp:
    """A hall manager (never the appellant) decides. Upheld: the rating leaves the statistics and the
    follow-up closes; rejected: the follow-up goes on where it was."""
    text = _note(note, "note", _("申诉处理意见"))
    fu = _lock(follow_up)
    _check_version(fu, expected_version)
    if not permissions.manages(actor, fu.centre_id) or fu.appealed_by_id == actor.pk:
        raise ForbiddenError(_("申诉由大厅管理员处理，申诉人本人不能处理。"))
    if fu.appeal_status != AppealStatus.PENDING:
        raise ConflictError(_("没有待处理的申诉。"))
    fu.appeal_decision = text
    fu.appeal_decided_by = actor
    if upheld:
        fu.appeal_status = AppealStatus.UPHELD
        Rating.objects.filter(pk=fu.rating_id).update(excluded=True)
        _close(fu, FollowUpStatus.WITHDRAWN, text, actor=actor)
        _save(fu, "appeal_status", "appeal_decision", "appeal_decided_by")
        _fu_event(fu, FollowUpAction.APPEAL_UPHELD, actor=actor, note=text)
    else:
        fu.appeal_status = AppealStatus.REJECTED
        _save(fu, "appeal_status", "appeal_decision", "appeal_decided_by")
        _fu_event(fu, FollowUpAction.APPEAL_REJECTED, actor=actor, note=text)
    return fu


# ---------------------------------------------------------------------------------------------
# Invitations


def invite_unrated(*, actor: Any = None, now: dt.datetime | None = None, lookback_days: int = 30) -> dict[str, int]:
    """Invite the applicants of completed, unrated cases to rate (SMS with the rating link); once more after
    ONEWINDOW_RATING_REINVITE_DAYS; never more. With ONEWINDOW_RATING_DEFAULT_SATISFIED on, a case still
    unrated ONEWINDOW_RATING_DEFAULT_AFTER_DAYS after completion gets a default 基本满意, kept apart in the
    statistics. Run daily: `onewindow ratings invite`."""
    from onewindow.messaging.sms import queue_sms

    now = now or clock.now()
    counts = {"first": 0, "again": 0, "defaulted": 0}
    rated = Rating.objects.filter(case=OuterRef("pk"), stage=Stage.COMPLETION)
    candidates = (Case.objects.filter(status__in=DONE_STATUSES, completed_at__lte=now,
                                      completed_at__gte=now - dt.timedelta(days=lookback_days))
                  .exclude(Exists(rated)).order_by("completed_at"))
    reinvite = dt.timedelta(days=settings.ONEWINDOW_RATING_REINVITE_DAYS)
    default_after = dt.timedelta(days=settings.ONEWINDOW_RATING_DEFAULT_AFTER_DAYS)
    for case in candidates.select_related("item"):
        with transaction.atomic():
            sent = list(RatingInvitation.objects.filter(case=case, stage=Stage.COMPLETION).order_by("attempt"))
            if settings.ONEWINDOW_RATING_DEFAULT_SATISFIED and case.completed_at and case.completed_at <= now - default_after:
                locked = Case.objects.select_for_update().get(pk=case.pk)
                if not Rating.objects.filter(case=locked, stage=Stage.COMPLETION).exists():
                    rating = Rating.objects.create(
                        level=Level.BASIC, stage=Stage.COMPLETION, channel=Channel.DEFAULT, case=locked,
                        centre_id=locked.handling_centre_id, department_id=locked.department_id,
                        item_id=locked.item_id, staff_id=locked.assignee_id, is_default=True, created_at=now)
                    record_event(actor=actor, action="rating_defaulted", obj=rating, summary=locked.number)
                    counts["defaulted"] += 1
                continue
            if not case.contact_phone:
                continue
            if not sent:
                attempt = 1
            elif len(sent) == 1 and sent[0].sent_at <= now - reinvite:
                attempt = 2
            else:
                continue
            link = public_url(f"/ratings/case/{case.tracking_code}/")
            queue_sms(phone=case.contact_phone, topic="rating.invite", obj=case, centre_id=case.centre_id, text=_(
                "您办理的“%(i)s”已办结，欢迎对我们的服务进行评价（好差评）：%(l)s") % {"i": case.item.name, "l": link})
            invitation = RatingInvitation.objects.create(case=case, stage=Stage.COMPLETION, attempt=attempt, sent_at=now)
            record_event(actor=actor, action="rating_invited", obj=invitation, summary=f"{case.number} #{attempt}")
            counts["first" if attempt == 1 else "again"] += 1
    return counts


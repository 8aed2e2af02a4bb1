"""Supervision handoffs (审管联动) and registration notices (双告知). Every write is a function here: keyword-only
`actor`, one transaction, the handoff row locked before its status is checked, an append-only HandoffEvent
and an audit event in that transaction; SMS, in-app messages and webhooks are rows written in the same
transaction (the outbox sends them after commit). Nothing here calls an external system.

Handoffs are created by the receivers of the cases signals (case_decided, case_revoked, case_accepted), which
run inside the decision's transaction: a decision and its handoffs commit together or not at all.

Lock order: the case row (held by the cases service that sent the signal), then handoff rows.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from onewindow.audit.services import record_event
from onewindow.catalog.choices import ItemType
from onewindow.core import clock
from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.messaging.sms import queue_sms
from onewindow.org.choices import Role
from onewindow.org.models import Department, StaffRole
from onewindow.webhooks.choices import EventType, MessageLevel
from onewindow.webhooks.services import notify_staff, publish_event
from onewindow.workdays.calendar import get_calendar

from . import permissions
from .choices import EscalationLevel, FeedbackKind, HandoffAction, HandoffKind, HandoffStatus
from .models import (
    Handoff,
    HandoffEvent,
    HandoffFeedback,
    PermitRule,
    RegistrationItem,
    RegistrationNotice,
    SupervisionAssignment,
)

logger = logging.getLogger("onewindow.supervision")

User = get_user_model()


def _actor_name(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return _("系统")
    return actor.first_name or actor.get_username()


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _require_atomic(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name} must run inside the decision's transaction")


def _handoff_link(handoff: Handoff) -> str:
    return reverse("supervision:handoff_detail", args=[handoff.uuid])


# ---------------------------------------------------------------------------------------------
# Who is told


def users_with_roles(roles: Iterable[str], *, department_ids: Iterable[int] | None = None,
                     county_wide: bool = False) -> list[Any]:
    """Active users holding one of `roles` in one of the departments (or anywhere, when None)."""
    q = Q(role__in=list(roles))
    if department_ids is not None:
        scope = Q(department_id__in=list(department_ids))
        if county_wide:
            scope |= Q(department__isnull=True)
        q &= scope
    ids = StaffRole.objects.filter(q).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def liaisons_of(department_id: int | None) -> list[Any]:
    """A department's liaisons; for the pool, every liaison (any department may claim from it)."""
    return users_with_roles([Role.LIAISON], department_ids=None if department_id is None else [department_id])


def heads_of(department_id: int) -> list[Any]:
    return users_with_roles(permissions.HEAD_ROLES, department_ids=[department_id])


def bureau_of(case: Any) -> list[Any]:
    """The approval bureau for a case: the heads of the deciding department and the county leaders."""
    heads = users_with_roles(permissions.HEAD_ROLES, department_ids=[case.department_id])
    county = users_with_roles([Role.LEADER], department_ids=[], county_wide=True)
    return list({u.pk: u for u in [*heads, *county]}.values())


# ---------------------------------------------------------------------------------------------
# Configuration reads


def supervising_departments(item: Any) -> list[Department]:
    return [a.department for a in SupervisionAssignment.objects.filter(item=item).select_related("department")]


def is_registration_item(item: Any) -> bool:
    return RegistrationItem.objects.filter(item=item).exists()


def claim_due(start: dt.date, centre_id: int | None = None) -> dt.date:
    """The claim deadline: ONEWINDOW_HANDOFF_CLAIM_DAYS working days after `start` (start not counted)."""
    return get_calendar(centre_id).add_working_days(start, settings.ONEWINDOW_HANDOFF_CLAIM_DAYS).date


def handoff_data(handoff: Handoff) -> dict[str, Any]:
    """What a webhook says about a handoff."""
    from onewindow.webhooks.receivers import case_data

    department = handoff.department
    return {
        "handoff": {
            "id": str(handoff.uuid), "kind": handoff.kind, "status": handoff.status,
            "department": {"credit_code": department.credit_code, "name": department.name} if department else None,
            "pool": department is None, "claim_due": handoff.claim_due.isoformat(),
            "claimed_at": handoff.claimed_at.isoformat() if handoff.claimed_at else None,
            "summary": handoff.summary,
            "api_url": f"{settings.ONEWINDOW_PUBLIC_URL.rstrip('/')}/api/v1/handoffs/{handoff.uuid}/",
        },
        "case": case_data(handoff.case),
    }


def _publish(event_type: str, handoff: Handoff, extra: dict[str, Any] | None = None) -> None:
    data = handoff_data(handoff) | (extra or {})
    publish_event(event_type, data=data, obj=handoff, item_id=handoff.case.item_id,
                  department_ids=[handoff.case.department_id, handoff.department_id], centre_id=handoff.case.centre_id)


def _event(handoff: Handoff, *, actor: Any, action: str, note: str = "", data: dict[str, Any] | None = None) -> None:
    HandoffEvent.objects.create(handoff=handoff, action=action, at=clock.now(), actor=_user(actor),
                                actor_name=_actor_name(actor), note=note, data=data or {})
    record_event(actor=actor, action=f"handoff_{action}", obj=handoff,
                 summary=f"{handoff.case.number} {handoff.get_kind_display()} {handoff.department or '认领池'}",
                 data={"status": handoff.status, **(data or {})})


# ---------------------------------------------------------------------------------------------
# Creation (inside the decision's transaction)


KIND_TEXT = {
    HandoffKind.APPROVAL: "准予许可", HandoffKind.DENIAL: "不予许可", HandoffKind.REVOCATION: "撤销许可",
    HandoffKind.LICENCE_CHANGE: "证照变更", HandoffKind.REGISTRATION: "登记信息（双告知）",
}


def _summary(case: Any, kind: str) -> str:
    applicant = case.applicant.name if case.applicant.kind == "enterprise" else case.applicant.masked_name
    return f"{case.item.name} · {applicant} · {KIND_TEXT[HandoffKind(kind)]}"[:300]


def _create(*, actor: Any, case: Any, kind: str, department: Department | None, key: str,
            data: dict[str, Any] | None = None, summary: str = "") -> Handoff:
    existing = Handoff.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing
    today = clock.today()
    handoff = Handoff.objects.create(
        case=case, kind=kind, department=department, summary=summary or _summary(case, kind), data=data or {},
        dedupe_key=key, created_at=clock.now(), claim_due=claim_due(today, case.handling_centre_id),
    )
    _event(handoff, actor=actor, action=HandoffAction.CREATE,
           data={"department": department.pk if department else None, "claim_due": handoff.claim_due.isoformat()})
    subject = _("【审管联动】%(s)s，请于 %(d)s 前认领") % {"s": handoff.summary, "d": handoff.claim_due.isoformat()}
    if department is not None:
        notify_staff(liaisons_of(department.pk), subject=subject, link=_handoff_link(handoff), sms=True,
                     topic="handoff.created", obj=handoff,
                     body=_("办件编号 %(n)s。") % {"n": case.number})
    _publish(EventType.HANDOFF_CREATED, handoff)
    logger.info("handoff_created handoff=%s case=%s department=%s", handoff.uuid, case.number,
                department.pk if department else "pool")
    return handoff


def create_handoffs(*, actor: Any, case: Any, kind: str, reference: str = "", data: dict[str, Any] | None = None,
                    summary: str = "") -> list[Handoff]:
    """A decision-type handoff (approval, denial, revocation, licence change) to each supervising department of
    the case's item. A licensing item with no supervising department configured goes to the pool, so no
    decision is left unsupervised; other item types without one create nothing.

    Must run inside the transaction of the decision (the cases signals, or the licences app for a change);
    `reference` distinguishes repeated events of one kind (e.g. the licence version of each change).
    """
    _require_atomic("create_handoffs")
    if kind not in HandoffKind.values or kind == HandoffKind.REGISTRATION:
        raise ValueError(f"not a decision handoff kind: {kind}")
    departments: list[Department | None] = list(supervising_departments(case.item))
    if not departments:
        if case.item.item_type != ItemType.LICENSING:
            return []
        departments = [None]
    return [
        _create(actor=actor, case=case, kind=kind, department=dept, data=data, summary=summary,
                key=f"{case.pk}:{kind}:{dept.pk if dept else 'pool'}:{reference}"[:120])
        for dept in departments
    ]


def handoff_licence_change(*, actor: Any, case: Any, licence_reference: str, description: str) -> list[Handoff]:
    """For the licences app: call inside the transaction that changes (or cancels) a licence of `case`."""
    return create_handoffs(actor=actor, case=case, kind=HandoffKind.LICENCE_CHANGE, reference=licence_reference,
                           data={"licence": licence_reference, "change": description},
                           summary=f"{_summary(case, HandoffKind.LICENCE_CHANGE)}：{description}"[:300])


# ---------------------------------------------------------------------------------------------
# 双告知


def match_permits(scope: str) -> list[dict[str, Any]]:
    """The catalogue lines that apply to a declared business scope, as a snapshot for the notice."""
    scope = (scope or "").strip()
    if not scope:
        return []
    rules = PermitRule.objects.filter(is_active=True).select_related("permit_item", "permit_item__department")
    result = []
    for rule in rules.prefetch_related("departments"):
        if not rule.matches(scope):
            continue
        departments = list(rule.departments.all())
        permit_item = rule.permit_item
        if not departments and permit_item is not None:
            departments = [permit_item.department]
        result.append({
            "rule": rule.pk, "category": rule.category, "permit": rule.permit_title,
            "item_code": permit_item.implementation_code if permit_item is not None else "",
            "legal_basis": rule.legal_basis,
            "departments": [{"id": d.pk, "name": d.name} for d in departments],
        })
    return result


def issue_registration_notice(*, actor: Any, case: Any, business_scope: str | None = None) -> RegistrationNotice:
    """At the acceptance of a business registration: the 双告知书 listing the post-registration permits of the
    declared scope (case.form_data["business_scope"] unless given). The applicant is told by SMS, with a link
    to the notice. Idempotent: a second call returns the first notice."""
    with transaction.atomic():
        existing = RegistrationNotice.objects.filter(case=case).first()
        if existing is not None:
            return existing
        scope = (business_scope if business_scope is not None else str(case.form_data.get("business_scope", ""))).strip()
        notice = RegistrationNotice.objects.create(case=case, business_scope=scope, permits=match_permits(scope),
                                                   issued_at=clock.now(), issued_by=_user(actor))
        record_event(actor=actor, action="registration_notice_issued", obj=notice, summary=case.number,
                     data={"permits": [p["permit"] for p in notice.permits]})
        _tell_applicant(case, notice)
        return notice


def _tell_applicant(case: Any, notice: RegistrationNotice) -> None:
    link = f"{settings.ONEWINDOW_PUBLIC_URL.rstrip('/')}" + reverse("supervision:public_notice",
                                                                     args=[case.tracking_code])
    if notice.permits:
        names = "、".join(p["permit"] for p in notice.permits)
        text = _("【双告知】您申报的经营范围涉及后置许可：%(p)s。取得许可前请勿从事相关经营活动。告知书：%(l)s") % {
            "p": names, "l": link}
    else:
        text = _("【双告知】您申报的经营范围暂未匹配到后置许可，相关部门将核实后告知。告知书：%(l)s") % {"l": link}
    queue_sms(phone=case.contact_phone, text=text, topic="registration.notice", obj=case, centre_id=case.centre_id)


def _lock_notice(notice: RegistrationNotice) -> RegistrationNotice:
    return RegistrationNotice.objects.select_for_update(of=("self",)).select_related(
        "case", "case__centre").get(pk=notice.pk)


def _check_window(actor: Any, case: Any) -> None:
    from onewindow.cases import permissions as case_permissions

    if not (case_permissions.is_window_staff(actor, case) or case_permissions.can_intake(actor, case.centre)):
        raise ForbiddenError(_("只有收件或办理中心的窗口人员可以办理双告知。"))


@transaction.atomic
def update_business_scope(*, actor: Any, notice: RegistrationNotice, business_scope: str) -> RegistrationNotice:
    """The clerk records (or corrects) the declared scope before the applicant signs; the permits are matched again."""
    scope = business_scope.strip()
    if not scope:
        raise ValidationError({"business_scope": [_("请填写申报的经营范围。")]})
    locked = _lock_notice(notice)
    _check_window(actor, locked.case)
    if locked.promise_signed or locked.pushed_at:
        raise ConflictError(_("申请人已签署承诺（或已推送），经营范围不能再修改。"))
    locked.business_scope = scope[:2000]
    locked.permits = match_permits(scope)
    locked.save(update_fields=["business_scope", "permits"])
    record_event(actor=actor, action="registration_scope_updated", obj=locked, summary=locked.case.number,
                 data={"permits": [p["permit"] for p in locked.permits]})
    return locked


@transaction.atomic
def record_promise(*, actor: Any, notice: RegistrationNotice, signer: str) -> RegistrationNotice:
    """The applicant signed the promise (承诺书) not to operate before obtaining the listed permits."""
    if not signer.strip():
        raise ValidationError({"signer": [_("请填写签署承诺的申请人或法定代表人姓名。")]})
    locked = _lock_notice(notice)
    _check_window(actor, locked.case)
    if locked.promise_signed:
        raise ConflictError(_("承诺书已于 %(t)s 签署。") % {"t": f"{locked.promise_signed_at:%Y-%m-%d %H:%M}"})
    locked.promise_signed_at = clock.now()
    locked.promise_signer = signer.strip()[:100]
    locked.promise_recorded_by = _user(actor)
    locked.save(update_fields=["promise_signed_at", "promise_signer", "promise_recorded_by"])
    record_event(actor=actor, action="registration_promise_signed", obj=locked, summary=locked.case.number)
    return locked


def push_registration(*, actor: Any, case: Any) -> list[Handoff]:
    """After registration (approval): the record goes to each competent department of the matched permits;
    permits without a known department, or a scope matching no permit, go to the pool for departments to claim."""
    _require_atomic("push_registration")
    notice = RegistrationNotice.objects.select_for_update().filter(case=case).first()
    if notice is None:
        notice = issue_registration_notice(actor=actor, case=case)
    if notice.pushed_at is not None:
        return list(case.supervision_handoffs.filter(kind=HandoffKind.REGISTRATION))
    by_department: dict[int | None, list[dict[str, Any]]] = {}
    for permit in notice.permits:
        for dept in permit["departments"] or [{"id": None}]:
            by_department.setdefault(dept["id"], []).append(permit)
    if not notice.permits and notice.business_scope:
        by_department[None] = []
    departments = {d.pk: d for d in Department.objects.filter(pk__in=[k for k in by_department if k])}
    base = {"business_scope": notice.business_scope, "promise_signed": notice.promise_signed,
            "promise_signed_at": notice.promise_signed_at.isoformat() if notice.promise_signed_at else None}
    handoffs = []
    for dept_id, permits in by_department.items():
        dept = departments.get(dept_id) if dept_id else None
        names = "、".join(p["permit"] for p in permits) or _("经营范围未匹配到后置许可，待主管部门认领")
        handoffs.append(_create(
            actor=actor, case=case, kind=HandoffKind.REGISTRATION, department=dept,
            key=f"{case.pk}:{HandoffKind.REGISTRATION}:{dept_id or 'pool'}",
            data=base | {"permits": [{"permit": p["permit"], "category": p["category"], "item_code": p["item_code"]}
                                     for p in permits]},
            summary=f"{_summary(case, HandoffKind.REGISTRATION)}：{names}"[:300],
        ))
    notice.pushed_at = clock.now()
    notice.save(update_fields=["pushed_at"])
    return handoffs


# ---------------------------------------------------------------------------------------------
# The supervising department's side


def _lock(handoff: Handoff) -> Handoff:
    # of=("self",): lock the handoff row only (the department join is nullable, and the case row is the
    # cases services' to lock).
    return Handoff.objects.select_for_update(of=("self",)).select_related(
        "case", "case__item", "case__applicant", "department").get(pk=handoff.pk)


@transaction.atomic
def claim_handoff(*, actor: Any, handoff: Handoff, department: Department | None = None) -> Handoff:
    """认领: the supervising department takes the record. From the pool, the claimer says for which of its
    departments (needed only when the claimer serves several)."""
    locked = _lock(handoff)
    if locked.status != HandoffStatus.PENDING:
        who = locked.department or ""
        raise ConflictError(_("该记录已被%(d)s认领，请刷新后查看。") % {"d": who})
    from_pool = locked.department_id is None
    dept_id = department.pk if department is not None else None
    if from_pool and dept_id is None:
        mine = sorted(permissions.acting_departments(actor))
        if len(mine) != 1:
            raise ValidationError({"department": [_("请选择以哪个部门的名义认领。")]})
        dept_id = mine[0]
    if not permissions.can_claim(actor, locked, dept_id):
        raise ForbiddenError(_("您不是该部门的监管联络员，不能认领。"))
    today = clock.today()
    locked.status = HandoffStatus.CLAIMED
    locked.claimed_at = clock.now()
    locked.claimed_by = _user(actor)
    locked.claimed_on_time = today <= locked.claim_due
    if from_pool:
        assert dept_id is not None
        locked.department = Department.objects.get(pk=dept_id)
        locked.claimed_from_pool = True
    locked.save(update_fields=["status", "claimed_at", "claimed_by", "claimed_on_time", "department",
                               "claimed_from_pool"])
    _event(locked, actor=actor, action=HandoffAction.CLAIM,
           data={"on_time": locked.claimed_on_time, "from_pool": from_pool, "department": locked.department_id})
    _publish(EventType.HANDOFF_CLAIMED, locked)
    return locked


@transaction.atomic
def record_feedback(
    *, actor: Any, handoff: Handoff, kind: str, text: str, visit_date: dt.date | None = None,
    follow_up: str = "", close: bool = False,
) -> HandoffFeedback:
    """Supervision feedback (visit, finding, follow-up, credit, punishment, licence change), for the approver's
    reference; `close` ends the supervision of this record."""
    errors: dict[str, list[str]] = {}
    if kind not in FeedbackKind.values:
        errors["kind"] = [_("反馈类型无效。")]
    if not text.strip():
        errors["text"] = [_("请填写反馈内容。")]
    if kind == FeedbackKind.VISIT and visit_date is None:
        errors["visit_date"] = [_("现场检查请填写检查日期。")]
    if visit_date is not None and visit_date > clock.today():
        errors["visit_date"] = [_("检查日期不能晚于今天。")]
    if errors:
        raise ValidationError(errors)
    locked = _lock(handoff)
    if locked.status == HandoffStatus.PENDING:
        raise ConflictError(_("请先认领，再反馈监管情况。"))
    if locked.status == HandoffStatus.CLOSED:
        raise ConflictError(_("该记录的监管已办结，不能再反馈。"))
    if not permissions.can_answer(actor, locked):
        raise ForbiddenError(_("您不是该部门的监管联络员，不能反馈。"))
    assert locked.department is not None
    feedback = HandoffFeedback.objects.create(
        handoff=locked, kind=kind, text=text.strip(), visit_date=visit_date, follow_up=follow_up.strip()[:300],
        at=clock.now(), actor=_user(actor), actor_name=_actor_name(actor), department=locked.department,
    )
    _event(locked, actor=actor, action=HandoffAction.FEEDBACK, note=text.strip()[:500],
           data={"kind": kind, "feedback": feedback.pk})
    if close:
        locked.status = HandoffStatus.CLOSED
        locked.closed_at = clock.now()
        locked.save(update_fields=["status", "closed_at"])
        _event(locked, actor=actor, action=HandoffAction.CLOSE)
    # The approver who decided sees it in their messages; everyone who opens the case sees it there.
    case = locked.case
    if case.assignee_id:
        notify_staff([case.assignee], subject=_("【监管反馈】%(d)s：%(k)s（办件 %(n)s）") % {
            "d": locked.department.name, "k": feedback.get_kind_display(), "n": case.number},
            body=text.strip()[:500], link=reverse("supervision:case_handoffs", args=[case.number]),
            topic="handoff.feedback", obj=locked)
    _publish(EventType.HANDOFF_FEEDBACK, locked, {"feedback": {
        "kind": kind, "text": feedback.text, "visit_date": visit_date.isoformat() if visit_date else None,
        "follow_up": feedback.follow_up, "at": feedback.at.isoformat(), "closes": close}})
    return feedback


@transaction.atomic
def assign_handoff(*, actor: Any, handoff: Handoff, department: Department) -> Handoff:
    """The bureau routes a pool record to a department; its claim deadline runs again from today."""
    locked = _lock(handoff)
    if not permissions.can_assign(actor):
        raise ForbiddenError(_("只有审批局管理人员可以指定监管部门。"))
    if locked.status != HandoffStatus.PENDING or locked.department_id is not None:
        raise ConflictError(_("只有认领池中尚未认领的记录可以指定部门。"))
    locked.department = department
    locked.claim_due = claim_due(clock.today(), locked.case.handling_centre_id)
    locked.escalation = EscalationLevel.NONE
    locked.save(update_fields=["department", "claim_due", "escalation"])
    _event(locked, actor=actor, action=HandoffAction.ASSIGN,
           data={"department": department.pk, "claim_due": locked.claim_due.isoformat()})
    notify_staff(liaisons_of(department.pk), sms=True, topic="handoff.created", obj=locked,
                 subject=_("【审管联动】%(s)s，请于 %(d)s 前认领") % {"s": locked.summary, "d": locked.claim_due},
                 link=_handoff_link(locked))
    return locked


# ---------------------------------------------------------------------------------------------
# Escalation of unclaimed handoffs (the worker's periodic sweep, `onewindow supervision escalate`, a task)


def target_level(handoff: Handoff, today: dt.date) -> int:
    """Reminder on the deadline day; the department head HEAD_DAYS working days after it; the bureau
    BUREAU_DAYS working days after it. A pool record has no department head: it goes to the bureau."""
    if handoff.status != HandoffStatus.PENDING or today < handoff.claim_due:
        return EscalationLevel.NONE
    late = get_calendar(handoff.case.handling_centre_id).count_working_days(handoff.claim_due, today)
    if late >= settings.ONEWINDOW_HANDOFF_ESCALATE_BUREAU_DAYS:
        return EscalationLevel.BUREAU
    if late >= settings.ONEWINDOW_HANDOFF_ESCALATE_HEAD_DAYS and handoff.department_id is not None:
        return EscalationLevel.HEAD
    return EscalationLevel.REMINDED


def escalate_handoffs(*, actor: Any = None, today: dt.date | None = None) -> dict[str, int]:
    """Raise every unclaimed handoff to the level its lateness calls for. Idempotent: run it as often as you like."""
    today = today or clock.today()
    counts = {"reminded": 0, "head": 0, "bureau": 0}
    candidates = (Handoff.objects.filter(status=HandoffStatus.PENDING, claim_due__lte=today,
                                         escalation__lt=EscalationLevel.BUREAU)
                  .select_related("case").order_by("claim_due", "id"))
    names = {EscalationLevel.REMINDED: "reminded", EscalationLevel.HEAD: "head", EscalationLevel.BUREAU: "bureau"}
    for handoff in list(candidates):  # materialised: each escalation writes the rows being scanned
        level = target_level(handoff, today)
        if level > handoff.escalation and _escalate(actor=actor, handoff=handoff, level=level, today=today):
            counts[names[EscalationLevel(level)]] += 1
    return counts


@transaction.atomic
def _escalate(*, actor: Any, handoff: Handoff, level: int, today: dt.date) -> bool:
    locked = _lock(handoff)
    if locked.status != HandoffStatus.PENDING or locked.escalation >= level:
        return False  # claimed or escalated meanwhile
    previous = locked.escalation
    locked.escalation = level
    locked.escalated_at = clock.now()
    locked.save(update_fields=["escalation", "escalated_at"])
    case = locked.case
    where = locked.department.name if locked.department else _("认领池")
    if level == EscalationLevel.REMINDED:
        action, recipients = HandoffAction.REMIND, liaisons_of(locked.department_id)
        subject = _("【审管联动提醒】%(s)s，认领期限 %(d)s，请尽快认领") % {"s": locked.summary, "d": locked.claim_due}
    elif level == EscalationLevel.HEAD:
        assert locked.department_id is not None
        action, recipients = HandoffAction.ESCALATE_HEAD, heads_of(locked.department_id)
        subject = _("【审管联动督办】%(w)s未按期认领：%(s)s（期限 %(d)s）") % {
            "w": where, "s": locked.summary, "d": locked.claim_due}
    else:
        action, recipients = HandoffAction.ESCALATE_BUREAU, bureau_of(case)
        subject = _("【审管联动督办】%(w)s逾期未认领，请审批局协调：%(s)s（期限 %(d)s）") % {
            "w": where, "s": locked.summary, "d": locked.claim_due}
    _event(locked, actor=actor, action=action, data={"from": previous, "to": level, "today": today.isoformat(),
                                                     "notified": [u.pk for u in recipients]})
    notify_staff(recipients, subject=subject, link=_handoff_link(locked), sms=True, obj=locked,
                 level=MessageLevel.WARNING if level == EscalationLevel.REMINDED else MessageLevel.ALERT,
                 topic=f"handoff.{action}", body=_("办件编号 %(n)s。") % {"n": case.number})
    return True


# ---------------------------------------------------------------------------------------------
# Configuration writes (the admin calls these)


@transaction.atomic
def save_config(*, actor: Any, obj: Any) -> Any:
    """Save a configuration row (supervising department, registration item, 双告知 catalogue line)."""
    obj.full_clean()
    created = obj.pk is None
    obj.save()
    record_event(actor=actor, action=f"{obj._meta.model_name}_{'created' if created else 'changed'}", obj=obj,
                 summary=str(obj)[:255])
    return obj


@transaction.atomic
def delete_config(*, actor: Any, obj: Any) -> None:
    record_event(actor=actor, action=f"{obj._meta.model_name}_deleted", obj=obj, summary=str(obj)[:255])
    obj.delete()

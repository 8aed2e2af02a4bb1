"""Signal receivers. Each runs inside the transaction that sent the signal and only writes rows."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q

from onewindow.cases.choices import Action
from onewindow.core.masking import mask_name
from onewindow.org.choices import Role

from .choices import EventType, MessageLevel
from .services import notify_staff, publish_event

# Which recorded case steps become which webhook events. CaseEvent is the append-only history every
# lifecycle service writes in its transaction, so this one hook sees every step, whichever service made it.
CASE_EVENT_TYPES = {
    Action.RECEIVE: EventType.CASE_RECEIVED,
    Action.PREREVIEW_PASS: EventType.CASE_RECEIVED,
    Action.ACCEPT: EventType.CASE_ACCEPTED,
    Action.ACCEPT_PENDING: EventType.CASE_ACCEPTED,
    Action.APPROVE: EventType.CASE_DECIDED,
    Action.DENY: EventType.CASE_DECIDED,
    Action.DELIVER: EventType.CASE_DELIVERED,
    Action.REVOKE: EventType.CASE_REVOKED,
}


def case_data(case: Any) -> dict[str, Any]:
    """What a webhook says about a case: codes and statuses, the applicant's name masked unless an enterprise."""
    applicant = case.applicant
    base = settings.ONEWINDOW_PUBLIC_URL.rstrip("/")
    return {
        "number": case.number,
        "status": case.status,
        "national_status": case.national_status,
        "item": {"implementation_code": case.item.implementation_code, "name": case.item.name},
        "department": {"credit_code": case.department.credit_code, "name": case.department.name},
        "applicant": {"kind": applicant.kind,
                      "name": applicant.name if applicant.kind == "enterprise" else mask_name(applicant.name)},
        "received_at": case.received_at.isoformat() if case.received_at else None,
        "accepted_at": case.accepted_at.isoformat() if case.accepted_at else None,
        "due_date": case.due_date.isoformat() if case.due_date else None,
        "completed_at": case.completed_at.isoformat() if case.completed_at else None,
        "api_url": f"{base}/api/v1/cases/{case.number}/",
    }


def publish_case_event(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if not created or raw:
        return
    event_type = CASE_EVENT_TYPES.get(instance.action)
    if event_type is None:
        return
    case = instance.case
    data = {"case": case_data(case), "action": instance.action, "at": instance.at.isoformat()}
    if instance.action in (Action.APPROVE, Action.DENY):
        data["approved"] = instance.action == Action.APPROVE
    if instance.action == Action.DELIVER:
        data["delivery_method"] = case.delivery_method
    publish_event(event_type, data=data, obj=case, item_id=case.item_id, department_ids=[case.department_id],
                  centre_id=case.centre_id)


def delivery_admins() -> list[Any]:
    """Who is alerted about dead messages: superusers and system administrators."""
    from onewindow.org.models import StaffRole

    admin_ids = StaffRole.objects.filter(role=Role.SYSTEM_ADMIN).values("user_id")
    return list(get_user_model().objects.filter(Q(is_superuser=True) | Q(pk__in=admin_ids), is_active=True))


def alert_dead_message(sender: Any, message: Any, **kwargs: Any) -> None:
    """Retries ran out: every administrator gets an in-app alert (and an SMS if they left a mobile number)."""
    notify_staff(
        delivery_admins(), level=MessageLevel.ALERT, topic="outbox.dead", obj=message, sms=message.channel != "sms",
        subject=f"消息投递失败（重试耗尽）：{message.channel} {message.topic} #{message.pk}",
        body=f"已尝试 {message.attempts} 次仍未送达：{message.last_error[:300]}。请排除接收方故障后在“对外推送”页面重新发送。",
        link=f"/webhooks/dead/#m{message.pk}",
    )

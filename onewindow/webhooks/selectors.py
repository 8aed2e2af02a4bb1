"""Reads for the delivery screens and the administrators' alert."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from onewindow.org.choices import Role
from onewindow.outbox.models import OutboxMessage, OutboxStatus

from .models import Subscriber


def is_delivery_admin(user: Any) -> bool:
    """Superusers and system administrators manage subscribers and see delivery alerts."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    from onewindow.org.roles import staff_roles

    return any(r.role == Role.SYSTEM_ADMIN for r in staff_roles(user))


def dead_messages() -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(status=OutboxStatus.DEAD)


def dead_message_count() -> int:
    return dead_messages().count()


def subscriber_rows() -> list[dict[str, Any]]:
    """Each subscriber with its pending/sent/dead counts (one grouped query over the webhook rows)."""
    subscribers = list(Subscriber.objects.order_by("name"))
    counts: dict[int, dict[str, int]] = {}
    grouped = (OutboxMessage.objects.filter(channel="webhook").values("payload__subscriber", "status")
               .annotate(n=Count("id")))
    for row in grouped:
        sid = row["payload__subscriber"]
        if sid is None:
            continue
        counts.setdefault(int(sid), {})[row["status"]] = row["n"]
    return [{"s": s, "pending": counts.get(s.pk, {}).get(OutboxStatus.PENDING, 0),
             "sent": counts.get(s.pk, {}).get(OutboxStatus.SENT, 0),
             "dead": counts.get(s.pk, {}).get(OutboxStatus.DEAD, 0)} for s in subscribers]


def subscriber_messages(subscriber: Subscriber) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(Q(channel="webhook") & Q(payload__subscriber=subscriber.pk))

"""The hook: every state change in this project writes an AuditEvent in its own transaction, so one receiver
on that table sees cases, ratings, follow-ups and handoffs change, whichever service changed them. Shared-data
calls are logged rows of their own (the audit row names the data source), so they get their own receiver."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from onewindow.audit.models import AuditEvent
from onewindow.shareddata.models import DataCall

from .choices import FactKind
from .services import mark_dirty

# audit object_type → (fact kind, how to find the object id in the event)
_CASE = "cases.case"
_RATING = "ratings.rating"
_FOLLOW_UP = "ratings.followup"
_HANDOFF = "supervision.handoff"


@receiver(post_save, sender=AuditEvent, dispatch_uid="stats_audit_hook")
def on_audit_event(sender: Any, instance: AuditEvent, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw"):
        return
    kind_id: tuple[str, Any] | None = None
    if instance.object_type == _CASE:
        kind_id = (FactKind.CASE, instance.object_id)
    elif instance.object_type == _RATING:
        kind_id = (FactKind.RATING, instance.object_id)
    elif instance.object_type == _FOLLOW_UP:
        kind_id = (FactKind.RATING, (instance.data or {}).get("rating"))
    elif instance.object_type == _HANDOFF:
        kind_id = (FactKind.HANDOFF, instance.object_id)
    if kind_id is None:
        return
    kind, object_id = kind_id
    try:
        pk = int(object_id)
    except (TypeError, ValueError):
        return
    mark_dirty(kind, pk)


@receiver(post_save, sender=DataCall, dispatch_uid="stats_data_call_hook")
def on_data_call(sender: Any, instance: DataCall, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        mark_dirty(FactKind.DATA_CALL, instance.pk)

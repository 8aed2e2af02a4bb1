from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from .chain import seal_after_commit, seal_pending
from .models import AuditChainHead, AuditEvent, AuditPermit, AuditSeal, AuditUnsealed

logger = logging.getLogger("onewindow.audit")


def record_event(
    *, actor: Any, action: str, obj: models.Model | None = None, object_type: str = "", object_id: str = "",
    summary: str = "", data: dict[str, Any] | None = None, result: str = "ok",
) -> AuditEvent:
    """Write an audit row. Must be called inside the service's transaction so both commit or neither.

    The row is linked into the SM3 hash chain by the worker's next pass (queued in AuditUnsealed, in this same
    transaction), or right after the commit with settings.ONEWINDOW_AUDIT_SEAL_AFTER_COMMIT (see chain.py)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the service's transaction")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    event = AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        summary=summary[:255],
        data=data or {},
        result=result[:16],
    )
    if settings.ONEWINDOW_AUDIT_SEAL_AFTER_COMMIT:
        seal_after_commit(event.pk)
    else:
        AuditUnsealed.objects.create(event_id=event.pk)
    # Structured log line with event names and ids only: never personal numbers.
    transaction.on_commit(lambda: logger.info("%s %s=%s", action, object_type, object_id))
    return event


def record_reveal(*, actor: Any, obj: models.Model, field: str, purpose: str = "") -> AuditEvent:
    """The hook for showing a full personal value (ID number, phone): an explicit, logged act."""
    return record_event(actor=actor, action="pii_revealed", obj=obj, summary=field,
                        data={"field": field, "purpose": purpose[:200]})


def prune(*, actor: Any, months: int | None = None) -> int:
    """Delete audit rows older than the retention period (at least 6 months, 网络安全法 art. 21), oldest first,
    after sealing everything. The chain is re-anchored at the last deleted link, so `verify` still proves
    the remaining rows; export the rows first (`onewindow audit export`) to archive them."""
    keep = months if months is not None else settings.ONEWINDOW_AUDIT_RETENTION_MONTHS
    if keep < 6:
        raise ValueError("audit rows are kept at least 6 months")
    seal_pending()
    cutoff = timezone.now() - timedelta(days=keep * 31)
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        last = (AuditSeal.objects.filter(event__at__lt=cutoff).order_by("-seq").first())
        if last is None:
            return 0
        # Only a contiguous prefix of the chain can go: stop before the first row that must stay.
        first_kept = AuditSeal.objects.filter(seq__lte=last.seq, event__at__gte=cutoff).order_by("seq").first()
        if first_kept is not None:
            last = AuditSeal.objects.filter(seq__lt=first_kept.seq).order_by("-seq").first()
            if last is None:
                return 0
        event_ids = list(AuditSeal.objects.filter(seq__lte=last.seq).values_list("event_id", flat=True))
        permit = AuditPermit.objects.create(reason="prune")
        AuditSeal.objects.filter(seq__lte=last.seq).delete()
        count, _detail = AuditEvent.objects.filter(pk__in=event_ids).delete()
        permit.delete()
        head.anchor_seq, head.anchor_hash = last.seq, last.hash
        head.save(update_fields=["anchor_seq", "anchor_hash"])
        record_event(actor=actor, action="audit_pruned", object_type="audit.auditevent", object_id=str(last.seq),
                     summary=f"{count}", data={"through_seq": last.seq, "anchor": last.hash, "months": keep})
    return count

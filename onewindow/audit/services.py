from __future__ import annotations

import logging
from typing import Any

from django.db import models, transaction

from .models import AuditEvent

logger = logging.getLogger("onewindow.audit")


def record_event(
    *, actor: Any, action: str, obj: models.Model | None = None, object_type: str = "", object_id: str = "",
    summary: str = "", data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write an audit row. Must be called inside the service's transaction so both commit or neither."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the service's transaction")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    event = AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:255],
        data=data or {},
    )
    # Structured log line with event names and ids only: never personal numbers.
    transaction.on_commit(lambda: logger.info("%s %s=%s", action, object_type, object_id))
    return event

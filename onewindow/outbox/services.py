"""Enqueue inside a transaction; deliver after commit; retry with backoff; alert when retries run out.

Claiming is a conditional UPDATE (… WHERE claimed_until IS NULL OR claimed_until < now) checked by
row count, so several workers can share the table on SQLite or PostgreSQL without a broker.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from onewindow.audit.services import record_event

from .models import OutboxMessage, OutboxStatus
from .signals import message_dead

logger = logging.getLogger("onewindow.outbox")

# How long a claim lasts. A worker killed mid-delivery holds its rows this long; then another takes them.
# Handlers must finish well inside it (webhook timeouts are capped below it) or a second worker could
# deliver the same message while the first is still waiting for the receiver.
LEASE_SECONDS = getattr(settings, "ONEWINDOW_OUTBOX_LEASE_SECONDS", 120)
Handler = Callable[[OutboxMessage], None]
_handlers: dict[str, Handler] = {}


class PermanentDeliveryError(Exception):
    """The receiver refused the message for good (e.g. 4xx); do not retry."""


def register_handler(channel: str, handler: Handler) -> None:
    _handlers[channel] = handler


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min … capped at 6 h: with 12 attempts a message survives a day-long outage."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def enqueue(*, channel: str, topic: str, destination: str, payload: dict[str, Any], obj: Any = None,
            centre_id: int | None = None, max_attempts: int = 12,
            idempotency_key: str | None = None) -> OutboxMessage:
    """Write a message in the caller's transaction; a worker is nudged after commit.

    Every message gets an idempotency key (a random one unless the caller names it); enqueueing a key that
    already exists returns the existing row, so a retried business step does not send twice.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("enqueue must run inside the business transaction")
    if idempotency_key:
        existing = OutboxMessage.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    message = OutboxMessage.objects.create(
        channel=channel, topic=topic, destination=destination, payload=payload,
        object_type=obj._meta.label_lower if obj is not None else "", object_id=str(obj.pk) if obj is not None else "",
        centre_id=centre_id, max_attempts=max_attempts, idempotency_key=idempotency_key or uuid.uuid4().hex,
    )
    # One nudge per transaction, however many messages it writes (a bulk of 1000 webhooks used to queue
    # 1000 identical worker tasks). A rolled-back savepoint drops its pending callbacks, so the next
    # enqueue in the surviving transaction registers the nudge again.
    connection = transaction.get_connection()
    if not any(entry[1] is _nudge_worker for entry in connection.run_on_commit):
        transaction.on_commit(_nudge_worker)
    return message


def _nudge_worker() -> None:
    try:
        from .tasks import deliver_outbox

        deliver_outbox.enqueue()
    except Exception:  # noqa: BLE001 - a failed nudge is harmless: the periodic sweep delivers anyway
        logger.warning("outbox_nudge_failed", exc_info=True)


def claim(message_id: int, worker: str, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    updated = OutboxMessage.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), pk=message_id, status=OutboxStatus.PENDING,
        available_at__lte=now,
    ).update(claimed_by=worker, claimed_until=now + dt.timedelta(seconds=LEASE_SECONDS))
    return updated == 1


def deliver_due(*, limit: int = 100, worker: str | None = None) -> dict[str, int]:
    """Deliver what is due now. Returns counts. Safe to run in many processes at once."""
    worker = worker or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
    now = timezone.now()
    ids = list(
        OutboxMessage.objects.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
                                     status=OutboxStatus.PENDING, available_at__lte=now)
        .order_by("available_at", "id").values_list("id", flat=True)[:limit]
    )
    counts = {"sent": 0, "retry": 0, "dead": 0, "skipped": 0}
    for message_id in ids:
        if not claim(message_id, worker, now):
            counts["skipped"] += 1
            continue
        message = OutboxMessage.objects.get(pk=message_id)
        counts[_deliver_one(message)] += 1
    return counts


def _deliver_one(message: OutboxMessage) -> str:
    handler = _handlers.get(message.channel)
    attempts = message.attempts + 1
    try:
        if handler is None:
            raise PermanentDeliveryError(f"no handler for channel {message.channel}")
        handler(message)
    except Exception as exc:  # noqa: BLE001 - any receiver failure is recorded and retried
        permanent = isinstance(exc, PermanentDeliveryError)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if permanent or attempts >= message.max_attempts:
            with transaction.atomic():
                OutboxMessage.objects.filter(pk=message.pk).update(
                    status=OutboxStatus.DEAD, attempts=attempts, last_error=error, claimed_until=None)
                # The peers' weakness: retries run out silently. Here it is an audited, logged alert.
                record_event(actor=None, action="outbox_exhausted", obj=message,
                             summary=f"{message.channel}:{message.topic} after {attempts} attempts",
                             data={"error": error[:500], "object": f"{message.object_type}:{message.object_id}"})
                # Receivers (onewindow.webhooks) turn this into in-app alerts for administrators, atomically.
                message.status, message.attempts, message.last_error = OutboxStatus.DEAD, attempts, error
                message_dead.send(sender=OutboxMessage, message=message)
            logger.error("outbox_exhausted id=%s channel=%s topic=%s attempts=%s", message.pk, message.channel,
                         message.topic, attempts)
            return "dead"
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=attempts, last_error=error, claimed_until=None, available_at=timezone.now() + backoff(attempts))
        logger.warning("outbox_retry id=%s channel=%s attempts=%s", message.pk, message.channel, attempts)
        return "retry"
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENT, attempts=attempts, sent_at=timezone.now(), claimed_until=None, last_error="")
    return "sent"


def next_due_at() -> dt.datetime | None:
    return OutboxMessage.objects.filter(status=OutboxStatus.PENDING).aggregate(t=Min("available_at"))["t"]


@transaction.atomic
def retry_dead(*, actor: Any, message: OutboxMessage) -> OutboxMessage:
    """An administrator sends a dead message again (after fixing the receiver)."""
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.DEAD).update(
        status=OutboxStatus.PENDING, attempts=0, available_at=timezone.now(), claimed_until=None)
    record_event(actor=actor, action="outbox_retried", obj=message, summary=str(message))
    transaction.on_commit(_nudge_worker)
    message.refresh_from_db()
    return message


def pending_for_centre(centre_ids: list[int]) -> Any:
    return OutboxMessage.objects.filter(centre_id__in=centre_ids).exclude(status=OutboxStatus.SENT)

"""Outbound delivery. Business code calls `publish_event` inside its transaction: one outbox row per matching
subscriber, nothing sent yet. A worker later calls `deliver_webhook` for each row (at-least-once, exponential
backoff, a dead state that alerts administrators); receivers drop repeats by the Idempotency-Key header.

Envelopes are thin on purpose: numbers, codes, statuses and links, never ID numbers or full personal names, so
personal data only leaves through the authenticated API with its permissions.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onewindow.audit.services import record_event
from onewindow.core import clock
from onewindow.messaging.sms import queue_sms
from onewindow.outbox import services as outbox
from onewindow.outbox.models import OutboxMessage, OutboxStatus
from onewindow.outbox.services import PermanentDeliveryError, enqueue

from .choices import AttemptOutcome, MessageLevel
from .models import DeliveryAttempt, Message, StaffContact, Subscriber

logger = logging.getLogger("onewindow.webhooks")

SIGNATURE_HEADER = "X-OneWindow-Signature"
USER_AGENT = "OneWindow-Webhooks/1.0"


# ---------------------------------------------------------------------------------------------
# Signing


def canonical_body(event: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent (UTF-8 JSON, sorted keys, no spaces)."""
    return json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of the body with the subscriber's secret>`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (documented for subscribers; used by our tests): constant-time comparison."""
    return hmac.compare_digest(sign(secret, body), header or "")


# ---------------------------------------------------------------------------------------------
# Publishing (inside the business transaction)


def publish_event(
    event_type: str, *, data: dict[str, Any], obj: Any = None, item_id: int | None = None,
    department_ids: Iterable[int | None] = (), centre_id: int | None = None,
) -> list[OutboxMessage]:
    """Queue `event_type` for every active subscriber whose filters match. Must run in the business transaction
    (enqueue refuses otherwise), so the event exists if and only if the change committed."""
    subscribers = [s for s in _active_subscribers() if s.wants(event_type)]
    if not subscribers:
        return []
    departments = {d for d in department_ids if d}
    event_id = uuid.uuid4().hex
    envelope = {"id": event_id, "type": event_type, "occurred_at": clock.now().isoformat(), "data": data}
    messages = []
    for subscriber in subscribers:
        item_filter = {i.pk for i in subscriber.items.all()}
        dept_filter = {d.pk for d in subscriber.departments.all()}
        if item_filter and item_id not in item_filter:
            continue
        if dept_filter and not (dept_filter & departments):
            continue
        messages.append(enqueue(
            channel="webhook", topic=event_type, destination=subscriber.url[:300], obj=obj, centre_id=centre_id,
            payload={"subscriber": subscriber.pk, "event": envelope},
            idempotency_key=f"{event_id}.{subscriber.uuid.hex}", max_attempts=settings.ONEWINDOW_WEBHOOK_MAX_ATTEMPTS,
        ))
    return messages


def _active_subscribers() -> list[Subscriber]:
    return list(Subscriber.objects.filter(is_active=True).prefetch_related("items", "departments"))


# ---------------------------------------------------------------------------------------------
# Delivery (in the worker, outside any transaction)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a place to resend a signed body to: it counts as a refusal."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect())


def _timeout() -> float:
    # Below half the outbox lease, so a slow receiver can never outlive the claim and meet a second worker.
    return float(max(1, min(settings.ONEWINDOW_WEBHOOK_TIMEOUT, outbox.LEASE_SECONDS // 2)))


def deliver_webhook(message: OutboxMessage) -> None:
    """The outbox handler of channel "webhook": one signed POST; raise to retry, PermanentDeliveryError to stop."""
    subscriber_id = (message.payload or {}).get("subscriber")
    subscriber = Subscriber.objects.filter(pk=int(subscriber_id)).first() if subscriber_id is not None else None
    if subscriber is None:
        raise PermanentDeliveryError("subscriber deleted")
    attempt = message.attempts + 1
    if not subscriber.is_active:
        _log(message, subscriber, attempt, AttemptOutcome.REFUSED, None, 0, "订阅已停用")
        raise PermanentDeliveryError("subscriber inactive")
    event = message.payload["event"]
    body = canonical_body(event)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Idempotency-Key": message.idempotency_key,
        "X-OneWindow-Event": event["type"],
        "X-OneWindow-Event-Id": event["id"],
        "X-OneWindow-Attempt": str(attempt),
        SIGNATURE_HEADER: sign(subscriber.secret, body),
    }
    request = urllib.request.Request(subscriber.url, data=body, headers=headers, method="POST")  # noqa: S310
    start = time.perf_counter()
    status: int | None = None
    try:
        with _opener.open(request, timeout=_timeout()) as response:  # noqa: S310 - URL set by an administrator
            status = response.status
            response.read(1024)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:  # refused, reset, timeout, DNS, bad URL
        elapsed = int((time.perf_counter() - start) * 1000)
        _log(message, subscriber, attempt, AttemptOutcome.RETRY, None, elapsed, f"{type(exc).__name__}: {exc}")
        raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc
    elapsed = int((time.perf_counter() - start) * 1000)
    if 200 <= status < 300:
        _log(message, subscriber, attempt, AttemptOutcome.DELIVERED, status, elapsed, "")
        return
    if status >= 500 or status in (408, 425, 429):
        _log(message, subscriber, attempt, AttemptOutcome.RETRY, status, elapsed, f"HTTP {status}")
        raise ConnectionError(f"receiver answered HTTP {status}")
    _log(message, subscriber, attempt, AttemptOutcome.REFUSED, status, elapsed, f"HTTP {status}")
    raise PermanentDeliveryError(f"receiver refused with HTTP {status}")


def _log(message: OutboxMessage, subscriber: Subscriber, attempt: int, outcome: str, status: int | None,
         duration_ms: int, error: str) -> None:
    DeliveryAttempt.objects.create(message=message, subscriber=subscriber, attempt=attempt, outcome=outcome,
                                   status_code=status, duration_ms=duration_ms, error=error[:500])


@transaction.atomic
def resend(*, actor: Any, message: OutboxMessage) -> OutboxMessage:
    """An administrator sends a dead message again (same idempotency key: a receiver that got it drops it)."""
    if message.status != OutboxStatus.DEAD:
        from onewindow.core.errors import ConflictError

        raise ConflictError("只有重试耗尽的消息可以重新发送。")
    return outbox.retry_dead(actor=actor, message=message)


@transaction.atomic
def save_subscriber(*, actor: Any, subscriber: Subscriber) -> Subscriber:
    subscriber.full_clean()
    created = subscriber.pk is None
    subscriber.save()
    record_event(actor=actor, action="subscriber_created" if created else "subscriber_changed", obj=subscriber,
                 summary=subscriber.name, data={"url": subscriber.url, "active": subscriber.is_active})
    return subscriber


# ---------------------------------------------------------------------------------------------
# Messages to staff: in-app always, SMS when the person has a mobile number (through the outbox)


def notify_staff(
    users: Iterable[Any], *, subject: str, body: str = "", link: str = "", level: str = MessageLevel.INFO,
    topic: str = "", obj: Any = None, sms: bool = False,
) -> list[Message]:
    """In-app messages (and optional SMS) to staff. Inside the caller's transaction; SMS leave after commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify_staff must run inside the business transaction")
    recipients = {u.pk: u for u in users if u is not None}
    if not recipients:
        return []
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    now = timezone.now()
    rows = Message.objects.bulk_create([
        Message(recipient_id=pk, level=level, subject=subject[:200], body=body, link=link[:300], topic=topic[:60],
                object_type=object_type, object_id=object_id, created_at=now)
        for pk in recipients
    ])
    if sms:
        phones = StaffContact.objects.filter(user_id__in=list(recipients)).values_list("mobile", flat=True)
        text = subject if not link else f"{subject} {settings.ONEWINDOW_PUBLIC_URL.rstrip('/')}{link}"
        for phone in sorted(set(phones)):
            queue_sms(phone=phone, text=text, topic=topic or "staff.notice", obj=obj)
    return rows


@transaction.atomic
def mark_read(*, actor: Any, message_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own messages read (all of them when no ids are given)."""
    qs = Message.objects.filter(recipient=actor, read_at__isnull=True)
    if message_ids is not None:
        qs = qs.filter(pk__in=list(message_ids))
    return qs.update(read_at=timezone.now())

"""SMS through a pluggable backend. Nothing is sent inside a transaction: `queue_sms` writes an outbox row,
the worker calls the backend. Phone numbers are masked in every log line."""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from onewindow.core.masking import mask_phone
from onewindow.outbox.models import OutboxMessage
from onewindow.outbox.services import PermanentDeliveryError, enqueue

logger = logging.getLogger("onewindow.sms")


class LogBackend:
    """Development backend: writes the message to the log (phone masked)."""

    def send(self, phone: str, text: str) -> None:
        logger.info("sms_sent to=%s text=%s", mask_phone(phone), text)


class MemoryBackend:
    """Test backend: keeps messages in memory; `fail` makes it raise to exercise retries."""

    outbox: list[tuple[str, str]] = []
    fail: bool = False

    def send(self, phone: str, text: str) -> None:
        if MemoryBackend.fail:
            raise ConnectionError("SMS gateway unreachable")
        MemoryBackend.outbox.append((phone, text))


class HttpGatewayBackend:
    """POSTs JSON {phone, text, sign} to ONEWINDOW_SMS_GATEWAY_URL (the county's SMS platform)."""

    def send(self, phone: str, text: str) -> None:
        url = settings.ONEWINDOW_SMS_GATEWAY_URL
        if not url:
            raise PermanentDeliveryError("ONEWINDOW_SMS_GATEWAY_URL is not set")
        body = json.dumps({"phone": phone, "text": text, "sign": settings.ONEWINDOW_SMS_SIGN}).encode()
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - URL comes from settings
            if response.status >= 400:
                raise ConnectionError(f"gateway answered {response.status}")


def backend() -> Any:
    return import_string(settings.ONEWINDOW_SMS_BACKEND)()


def queue_sms(*, phone: str, text: str, topic: str, obj: Any = None, centre_id: int | None = None) -> OutboxMessage | None:
    if not phone:
        return None
    return enqueue(channel="sms", topic=topic, destination=phone, payload={"text": text}, obj=obj, centre_id=centre_id)


def deliver_sms_message(message: OutboxMessage) -> None:
    backend().send(message.destination, message.payload.get("text", ""))

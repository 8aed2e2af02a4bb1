"""Database sessions with the session data encrypted (SM4-GCM, the personal-information keys).

Sessions carry what an applicant is typing — online application drafts with ID and phone numbers — and
Django stores session data only signed and base64-encoded, which is plain text to anyone reading the table.
Old (unencrypted) sessions still decode; a session written under a key that has since been removed is
simply empty (the person logs in again)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore

from onewindow.core import pii

logger = logging.getLogger("onewindow.sessions")


class SessionStore(DbSessionStore):
    def encode(self, session_dict: dict[str, Any]) -> str:
        encoded = super().encode(session_dict)
        return pii.encrypt(encoded) if pii.encryption_enabled() else encoded

    def decode(self, session_data: bytes | str) -> dict[str, Any]:
        if isinstance(session_data, bytes):
            session_data = session_data.decode("ascii", errors="replace")
        try:
            return super().decode(pii.decrypt(session_data))
        except pii.PIIError as exc:
            logger.warning("session_unreadable reason=%s", exc)
            return {}

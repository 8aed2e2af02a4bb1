"""One masking rule for personal information, used by lists, public pages, notices, exports and logs."""

from __future__ import annotations

import logging
import re


def mask_id_number(value: str | None) -> str:
    """First 6 and last 4 characters kept (the form commonly published), the rest as *."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:1] + "*" * (len(value) - 1)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """Mobile numbers keep 3 + 4 (138****5678)."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """Chinese personal names keep the surname (张*, 欧阳**); enterprise names are public and not passed here."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    return value[0] + "*" * (len(value) - 1)


def mask_address(value: str | None) -> str:
    """Addresses keep the first 6 characters (province, city, district as written) and hide the rest."""
    if not value:
        return ""
    if len(value) <= 6:
        return value[:2] + "*" * (len(value) - 2) if len(value) > 2 else "*" * len(value)
    return value[:6] + "****"


# An ID number (17 digits + digit/X) or a mainland mobile number standing on its own (not inside a longer run of
# letters or digits such as a hash or a case number).
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number found in free text (log lines, exported notes)."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


class MaskingLogFilter(logging.Filter):
    """Installed on every handler in settings.LOGGING: the message is rendered, masked and frozen, and so
    are exception texts, so neither a format argument nor a traceback carries a full ID or mobile number."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logger's problem, not a reason to drop the record
            message = str(record.msg)
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True

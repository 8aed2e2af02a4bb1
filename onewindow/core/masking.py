"""One masking rule for personal information, used by lists, public pages, notices, exports and logs."""

from __future__ import annotations


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

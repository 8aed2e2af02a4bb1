"""Password rules for staff (等保 level 3: complexity and periodic change). Both are AUTH_PASSWORD_VALIDATORS."""

from __future__ import annotations

import string
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)


def _is_applicant(user: Any) -> bool:
    username = getattr(user, "username", "") or ""
    return ":" in username and not getattr(user, "is_staff", False)


def character_classes(password: str) -> int:
    count = sum(1 for chars in CLASSES if any(c in chars for c in password))
    return count + (1 if any(not c.isalnum() for c in password) else 0)


class ComplexityValidator:
    """A staff password mixes at least ONEWINDOW_PASSWORD_MIN_CLASSES of: lower case, upper case, digits,
    symbols. Applicants (phone accounts) keep the lighter rules (length, not common, not all digits)."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is not None and _is_applicant(user):
            return
        needed = settings.ONEWINDOW_PASSWORD_MIN_CLASSES
        if character_classes(password) < needed:
            raise ValidationError(
                _("密码须至少包含小写字母、大写字母、数字、符号中的 %(n)s 类。") % {"n": needed},
                code="password_too_simple")

    def get_help_text(self) -> str:
        return _("工作人员密码须至少包含小写字母、大写字母、数字、符号中的 %(n)s 类。") % {
            "n": settings.ONEWINDOW_PASSWORD_MIN_CLASSES}


class PasswordAgeValidator:
    """Validates nothing; remembers when a password was set, which is when its expiry period starts
    (Django calls password_changed() on every validator after a user's password is saved)."""

    def validate(self, password: str, user: Any = None) -> None:
        return None

    def password_changed(self, password: str, user: Any = None) -> None:
        from .services import password_changed

        if user is not None and not _is_applicant(user):
            password_changed(user=user)

    def get_help_text(self) -> str:
        days = settings.ONEWINDOW_PASSWORD_MAX_AGE_DAYS
        return _("密码每 %(days)s 天须更换。") % {"days": days} if days > 0 else ""

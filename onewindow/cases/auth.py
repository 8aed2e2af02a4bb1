"""Applicant identity: who is applying online.

Applicants are ordinary Django users with no staff flag and no roles. The identity provider is pluggable:
today it is phone + password (`PhoneBackend`); a provincial single sign-on (统一身份认证) can replace it
without touching cases, views or permissions, because everything else only relies on this small interface:

* An applicant is a `User` with ``is_staff=False``. Cases find their owner through ``Applicant.user``
  (``Case.objects.visible_to(user)`` → ``applicant__user=user``); nothing reads the username's shape
  except the helpers below.
* A backend maps credentials to such a user: ``authenticate(request, **credentials) -> User | None`` and
  ``get_user(user_id)``. It never authenticates staff (``is_staff`` users log in through
  ``django.contrib.auth.backends.ModelBackend``, listed first in ``AUTHENTICATION_BACKENDS``) and it must
  answer the same way — ``None`` — for an unknown identity and a wrong secret (no account enumeration).
* Usernames are namespaced by provider: ``p:<blind index of the phone>`` here (the phone itself is kept
  encrypted in ``ApplicantAccount``, so no table holds a plain mobile number); an SSO backend would use its own prefix
  (e.g. ``sso:<subject id>``), create the user on first login with ``is_staff=False`` and an unusable
  password, and be driven by its own callback view that calls ``django.contrib.auth.login``. The colon is
  what marks an applicant account (``is_applicant``; base.html shows "工作台" only to others): Django's
  username validator never lets a staff username contain one.
* ``applicant_phone(user)`` gives a contact number to prefill forms; other providers may return "".

Registration (`register_applicant`) is the only write here; it runs in one transaction with its audit row,
like every other service.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from onewindow.audit.services import record_event

PHONE_PREFIX = "p:"
# Mainland mobile numbers: 11 digits starting 13–19. Landlines cannot receive a future SMS code.
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


class AccountExists(Exception):
    """The phone number already has an account (registration only; login never says this)."""


def normalize_phone(value: str) -> str:
    """Digits only, without a +86 / 86 country prefix and without spaces or dashes."""
    digits = re.sub(r"[\s\-]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def applicant_username(phone: str) -> str:
    from onewindow.core.pii import phone_index

    return f"{PHONE_PREFIX}{phone_index(phone)}"


def applicant_phone(user: Any) -> str:
    """The phone number an applicant registered with ("" for users of other providers and staff)."""
    from .models import ApplicantAccount

    if user is None or not user.is_authenticated:
        return ""
    account = ApplicantAccount.objects.filter(user=user).first()
    return account.phone if account is not None else ""


def ensure_applicant_account(*, phone: str, name: str = "") -> Any:
    """The applicant user of a phone number, created (without a usable password) when missing. For data
    loaded on someone's behalf (the demo county); people register through `register_applicant`."""
    from .models import ApplicantAccount

    User = get_user_model()
    with transaction.atomic():
        user, created = User._default_manager.get_or_create(username=applicant_username(phone),
                                                             defaults={"first_name": name[:150]})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            ApplicantAccount.objects.create(user=user, phone=normalize_phone(phone))
    return user


def is_applicant(user: Any) -> bool:
    """An account of an applicant identity provider (not staff: staff usernames cannot contain ":")."""
    return bool(user is not None and user.is_authenticated and ":" in user.get_username() and not user.is_staff)


class PhoneBackend(BaseBackend):
    """Phone number + password. Called as ``authenticate(request, phone=..., password=...)``.

    Staff accounts are never authenticated here, and an unknown phone costs the same password hashing
    as a wrong password, so neither the answer nor its timing says whether the phone is registered.
    """

    def authenticate(self, request: Any, phone: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if phone is None or password is None:
            return None
        User = get_user_model()
        try:
            user = User._default_manager.get_by_natural_key(applicant_username(phone))
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check (timing)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(user.is_active and not user.is_staff and not user.is_superuser)

    def get_user(self, user_id: Any) -> Any:
        User = get_user_model()
        try:
            user = User._default_manager.get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def register_applicant(*, phone: str, name: str, password: str) -> Any:
    """Create an applicant account (phone + password). Validation of the inputs is the form's job;
    this makes the row and its audit event in one transaction. Raises `AccountExists`."""
    from .models import ApplicantAccount

    User = get_user_model()
    username = applicant_username(phone)
    try:
        with transaction.atomic():
            if User._default_manager.filter(username=username).exists():
                raise AccountExists(_("该手机号已注册。"))
            user = User._default_manager.create_user(username=username, password=password,
                                                     first_name=name.strip()[:150])
            ApplicantAccount.objects.create(user=user, phone=normalize_phone(phone))
            record_event(actor=user, action="applicant_registered", obj=user, summary=_("申请人注册"))
    except IntegrityError as exc:  # two registrations of one phone at the same moment
        raise AccountExists(_("该手机号已注册。")) from exc
    return user

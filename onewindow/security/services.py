"""Staff authentication writes: failed logins and locks, unlocks, the one active session, SMS codes.

Every function runs in one transaction with its audit row. A failed login is recorded in its own
transaction (the login itself did not happen, but the attempt must stay on record).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.audit.services import record_event
from onewindow.core.masking import mask_phone

from .choices import LockKind, LoginStage
from .models import Lockout, LoginFailure, SMSDevice, StaffAccount

logger = logging.getLogger("onewindow.security")


def needs_second_factor(user: Any) -> bool:
    """Every staff account (and every superuser) logs in with two factors."""
    return bool(user is not None and user.is_authenticated and (user.is_staff or user.is_superuser))


def active_lock(*, username: str = "", ip: str | None = None) -> Lockout | None:
    """The lock in force on this account or this address, if any."""
    now = timezone.now()
    locks = Lockout.objects.filter(released_at__isnull=True, until__gt=now)
    if username:
        found = locks.filter(kind=LockKind.ACCOUNT, key=username).order_by("-until").first()
        if found:
            return found
    if ip:
        return locks.filter(kind=LockKind.IP, key=ip).order_by("-until").first()
    return None


def _failures_since(kind: str, key: str, since: Any) -> int:
    # Failures before the latest release of a lock do not count again: an unlocked account starts afresh.
    released = (Lockout.objects.filter(kind=kind, key=key, released_at__isnull=False)
                .order_by("-released_at").values_list("released_at", flat=True).first())
    if released and released > since:
        since = released
    field = "username" if kind == LockKind.ACCOUNT else "ip"
    return LoginFailure.objects.filter(**{field: key, "at__gte": since}).count()


def record_login_failure(*, username: str, ip: str | None, stage: str = LoginStage.PASSWORD,
                         user: Any = None) -> Lockout | None:
    """Record a failed attempt; lock the account and/or the address when they reach their limit.
    Returns the new lock, if this failure caused one."""
    now = timezone.now()
    since = now - timedelta(minutes=settings.ONEWINDOW_LOCKOUT_WINDOW_MINUTES)
    until = now + timedelta(minutes=settings.ONEWINDOW_LOCKOUT_MINUTES)
    username = username.strip()[:150]
    new_lock: Lockout | None = None
    with transaction.atomic():
        LoginFailure.objects.create(username=username, ip=ip, stage=stage)
        record_event(actor=None, action="login_failed", object_type="auth.user", object_id=username,
                     summary=_("登录失败"), data={"ip": ip, "stage": stage}, result="failed")
        checks = [(LockKind.ACCOUNT, username, settings.ONEWINDOW_LOCKOUT_ACCOUNT_FAILURES)]
        if ip:
            checks.append((LockKind.IP, ip, settings.ONEWINDOW_LOCKOUT_IP_FAILURES))
        for kind, key, limit in checks:
            if not key or limit <= 0:
                continue
            if Lockout.objects.filter(kind=kind, key=key, released_at__isnull=True, until__gt=now).exists():
                continue
            if _failures_since(kind, key, since) >= limit:
                lock = Lockout.objects.create(kind=kind, key=key, locked_at=now, until=until)
                record_event(actor=None, action="login_locked", obj=lock, summary=str(lock),
                             data={"kind": kind, "key": key, "until": until.isoformat()}, result="locked")
                new_lock = new_lock or lock
    if new_lock:
        transaction.on_commit(lambda: logger.warning("login_locked kind=%s", new_lock.kind if new_lock else ""))
    return new_lock


@transaction.atomic
def unlock(*, actor: Any, lock: Lockout) -> Lockout:
    """An administrator lifts a lock before it runs out (audited)."""
    lock = Lockout.objects.select_for_update().get(pk=lock.pk)
    if lock.released_at is None:
        lock.released_at = timezone.now()
        lock.released_by = actor if getattr(actor, "is_authenticated", False) else None
        lock.save(update_fields=["released_at", "released_by"])
        record_event(actor=actor, action="login_unlocked", obj=lock, summary=str(lock),
                     data={"kind": lock.kind, "key": lock.key})
    return lock


def unlock_key(*, actor: Any, key: str) -> int:
    """Lift every active lock on an account name or an IP address; returns how many were lifted."""
    count = 0
    for lock in Lockout.objects.filter(key=key, released_at__isnull=True, until__gt=timezone.now()):
        unlock(actor=actor, lock=lock)
        count += 1
    return count


def start_session(*, request: Any, user: Any, device: Any) -> None:
    """After both factors: end the user's previous session (one active session per seat), remember this
    one, and write the login to the audit log. Call right after django.contrib.auth.login()."""
    session_key = request.session.session_key or ""
    if not session_key:
        request.session.save()
        session_key = request.session.session_key or ""
    with transaction.atomic():
        account, _created = StaffAccount.objects.select_for_update().get_or_create(user=user)
        previous = account.session_key
        account.session_key = session_key
        account.last_login_ip = request.META.get("REMOTE_ADDR") or None
        account.save(update_fields=["session_key", "last_login_ip"])
        record_event(actor=user, action="login", obj=user, summary=_("工作人员登录（双因素）"),
                     data={"ip": account.last_login_ip, "device": type(device).__name__,
                           "ended_previous": bool(previous and previous != session_key)})
    if previous and previous != session_key:
        engine = import_string(settings.SESSION_ENGINE)
        store: SessionBase = engine.SessionStore(session_key=previous)
        store.delete()


def staff_mobile(user: Any) -> str:
    contact = getattr(user, "staff_contact", None)
    try:
        return contact.mobile if contact else ""
    except Exception:  # noqa: BLE001 - no StaffContact row
        return ""


def send_sms_code(*, user: Any) -> SMSDevice | None:
    """Send a one-time login code by SMS to the staff member's registered mobile number (through the outbox,
    delivered after commit). None when the user has no mobile number on record."""
    from onewindow.messaging.sms import queue_sms

    mobile = staff_mobile(user)
    if not mobile:
        return None
    with transaction.atomic():
        device, _created = SMSDevice.objects.get_or_create(user=user, defaults={"name": "sms", "mobile": mobile})
        if device.mobile != mobile:
            device.mobile = mobile
            device.save(update_fields=["mobile"])
        device.generate_token(valid_secs=settings.ONEWINDOW_SMS_CODE_MINUTES * 60)
        queue_sms(phone=mobile, topic="login_code", obj=user,
                  text=_("您的登录验证码为 %(code)s，%(minutes)s 分钟内有效。请勿告诉他人。")
                  % {"code": device.token, "minutes": settings.ONEWINDOW_SMS_CODE_MINUTES})
        record_event(actor=user, action="login_code_sent", obj=user, summary=_("短信验证码已发送"),
                     data={"to": mask_phone(mobile)})
    return device


@transaction.atomic
def enrol_totp(*, user: Any, device: TOTPDevice) -> TOTPDevice:
    """Confirm a new authenticator after the user typed its first code (the caller verified it)."""
    device.confirmed = True
    device.save()
    record_event(actor=user, action="totp_enrolled", obj=user, summary=_("绑定动态口令"))
    return device


@transaction.atomic
def reset_second_factor(*, actor: Any, user: Any) -> int:
    """An administrator removes a staff member's authenticators (lost phone); the next login enrols anew."""
    count, _detail = TOTPDevice.objects.filter(user=user).delete()
    record_event(actor=actor, action="totp_reset", obj=user, summary=_("重置动态口令"), data={"devices": count})
    return count


def ensure_demo_totp(*, user: Any, key: str) -> TOTPDevice:
    """The demo staff share one fixed TOTP secret (settings.ONEWINDOW_DEMO_TOTP_KEY). Demo data only."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="demo", defaults={"key": key, "confirmed": True})
    if device.key != key or not device.confirmed:
        device.key = key
        device.confirmed = True
        device.save(update_fields=["key", "confirmed"])
    return device


def password_changed(*, user: Any) -> None:
    """Called by the PasswordAgeValidator whenever a password is set (expiry counts from here)."""
    if user is None or user.pk is None:
        return
    StaffAccount.objects.update_or_create(user=user, defaults={"password_changed_at": timezone.now()})


def password_expired(user: Any) -> bool:
    days = settings.ONEWINDOW_PASSWORD_MAX_AGE_DAYS
    if days <= 0 or not needs_second_factor(user):
        return False
    changed = StaffAccount.objects.filter(user=user).values_list("password_changed_at", flat=True).first()
    # create_user() sets the password without password_changed(): such a password dates from the account.
    changed = changed or user.date_joined
    return bool(changed < timezone.now() - timedelta(days=days))

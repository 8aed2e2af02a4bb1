"""Staff authentication state: failed logins, locks, the password's age and the one active session."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import SideChannelDevice

from .choices import LockKind, LoginStage


class LoginFailure(models.Model):
    """One failed login (wrong password or wrong second-factor code). Counted per account and per IP over
    the lockout window; kept as the evidence for a lock (the audit log has the same act)."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    username = models.CharField(_("用户名"), max_length=150)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    stage = models.CharField(_("环节"), max_length=16, choices=LoginStage.choices, default=LoginStage.PASSWORD)

    class Meta:
        verbose_name = _("登录失败")
        verbose_name_plural = _("登录失败")
        indexes = [models.Index(fields=["username", "at"]), models.Index(fields=["ip", "at"])]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"


class Lockout(models.Model):
    """A lock of an account (by username) or of an IP address until `until`, unless released earlier."""

    kind = models.CharField(_("类型"), max_length=16, choices=LockKind.choices)
    key = models.CharField(_("账户或地址"), max_length=150)
    locked_at = models.DateTimeField(_("锁定时间"), default=timezone.now)
    until = models.DateTimeField(_("锁定至"))
    released_at = models.DateTimeField(_("解锁时间"), null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("解锁人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("登录锁定")
        verbose_name_plural = _("登录锁定")
        ordering = ["-locked_at"]
        indexes = [models.Index(fields=["kind", "key", "until"], condition=Q(released_at__isnull=True),
                                name="security_lock_active")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"

    @property
    def active(self) -> bool:
        return self.released_at is None and self.until > timezone.now()


class StaffAccount(models.Model):
    """Per staff user: when the password last changed (expiry) and the session key of the one active
    session (a new login ends the old one: one seat, one session)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security")
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    session_key = models.CharField(_("当前会话"), max_length=64, blank=True)
    last_login_ip = models.GenericIPAddressField(_("最近登录地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作人员安全状态")
        verbose_name_plural = _("工作人员安全状态")

    def __str__(self) -> str:
        return str(self.user)


class SMSDevice(SideChannelDevice):
    """The fallback second factor: a one-time code sent by SMS (through onewindow.messaging) to the staff
    member's registered mobile number (webhooks.StaffContact)."""

    mobile: models.CharField[str, str] = models.CharField(_("手机号码"), max_length=20)

    class Meta:
        verbose_name = _("短信验证设备")
        verbose_name_plural = _("短信验证设备")

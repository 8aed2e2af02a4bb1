from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.pii import EncryptedCharField

from .choices import AttemptOutcome, EventType, MessageLevel


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Subscriber(models.Model):
    """An external system that receives our events by webhook (HTTP POST of a signed JSON envelope).

    Filters are conjunctive; an empty filter means "all". The secret signs each body with HMAC-SHA256.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    url = models.URLField(_("接收地址"), max_length=300)
    secret = models.CharField(_("签名密钥"), max_length=100, default=new_secret,
                              help_text=_("用于 HMAC-SHA256 签名（X-OneWindow-Signature 头），请安全地交给对方系统。"))
    event_types = models.JSONField(_("事件类型"), default=list, blank=True,
                                   help_text=_("留空表示全部事件。"))
    items = models.ManyToManyField("catalog.ServiceItem", verbose_name=_("限定事项"), blank=True, related_name="+")
    departments = models.ManyToManyField("org.Department", verbose_name=_("限定部门"), blank=True, related_name="+",
                                         help_text=_("办理部门或监管部门属于所选部门之一时推送；留空表示全部。"))
    is_active = models.BooleanField(_("启用"), default=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("推送订阅")
        verbose_name_plural = _("推送订阅")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = [t for t in (self.event_types or []) if t not in EventType.values]
        if not isinstance(self.event_types, list) or unknown:
            raise ValidationError({"event_types": _("未知的事件类型：%(t)s") % {"t": "、".join(map(str, unknown))}})
        if len(self.secret or "") < 16:
            raise ValidationError({"secret": _("签名密钥至少 16 个字符。")})

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class DeliveryAttempt(models.Model):
    """The delivery log: one row per HTTP attempt of a webhook message, with the receiver's answer."""

    message = models.ForeignKey("outbox.OutboxMessage", on_delete=models.CASCADE, related_name="webhook_attempts")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    attempt = models.PositiveSmallIntegerField(_("第几次"))
    outcome = models.CharField(_("结果"), max_length=10, choices=AttemptOutcome.choices)
    status_code = models.PositiveSmallIntegerField(_("HTTP 状态"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    error = models.CharField(_("错误"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subscriber", "-at"])]

    def __str__(self) -> str:
        return f"{self.subscriber_id} #{self.message_id} {self.outcome}"


class MessageQuerySet(models.QuerySet["Message"]):
    def unread(self) -> MessageQuerySet:
        return self.filter(read_at__isnull=True)


class Message(models.Model):
    """An in-app message (站内信) to a staff member: handoff notices, escalations, delivery alerts."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE,
                                  related_name="inapp_messages")
    level = models.CharField(_("级别"), max_length=8, choices=MessageLevel.choices, default=MessageLevel.INFO)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    topic = models.CharField(_("主题"), max_length=60, blank=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.subject


class StaffContact(models.Model):
    """A staff member's mobile number for SMS notices (liaisons, department heads). Shown masked."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                                related_name="staff_contact")
    mobile = EncryptedCharField(_("手机号码"), max_length=20)

    class Meta:
        verbose_name = _("工作人员联系方式")
        verbose_name_plural = _("工作人员联系方式")

    def __str__(self) -> str:
        from onewindow.core.masking import mask_phone

        return f"{self.user} {mask_phone(self.mobile)}"

    def clean(self) -> None:
        from onewindow.core.validators import validate_phone

        validate_phone(self.mobile)


def outbox_subscriber_id(message: Any) -> int | None:
    value = (message.payload or {}).get("subscriber")
    return int(value) if value is not None else None

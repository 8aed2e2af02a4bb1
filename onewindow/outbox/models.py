from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.pii import EncryptedCharField


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    DEAD = "dead", _("重试耗尽")


class OutboxMessage(models.Model):
    """One message to deliver (an SMS, a webhook call). Written inside the business transaction."""

    channel = models.CharField(_("通道"), max_length=20)  # "sms", "webhook", …
    topic = models.CharField(_("主题"), max_length=60)  # e.g. "case.accepted"
    # A phone number for SMS (personal information), a URL for webhooks: encrypted either way.
    destination = EncryptedCharField(_("目标"), max_length=300)
    payload = models.JSONField(_("内容"), default=dict)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    centre_id = models.BigIntegerField(null=True, blank=True, db_index=True)  # who should see it pending
    # Sent with the message (e.g. the Idempotency-Key header of a webhook) so a receiver that sees a message
    # twice (at-least-once delivery: a worker killed after the receiver answered) can drop the repeat.
    # Empty only on rows written before the field existed.
    idempotency_key = models.CharField(_("幂等键"), max_length=100, blank=True, default="")

    status = models.CharField(_("状态"), max_length=8, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    available_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("最多尝试"), default=12)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        ordering = ["created_at", "id"]
        indexes = [
            # Workers only ever scan pending rows: a partial index keeps that scan small forever.
            models.Index(fields=["available_at"], condition=Q(status="pending"), name="outbox_pending_idx"),
        ]
        constraints = [
            # One row per key: enqueueing the same key again returns the first row instead of sending twice.
            models.UniqueConstraint(fields=["idempotency_key"], condition=~Q(idempotency_key=""),
                                    name="outbox_idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.topic} #{self.pk}"

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One row per state change, written in the same transaction as the change (append-only).

    The who/what/when/object/result shape is what 等保 level 3 asks of an audit record.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("动作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象标识"), max_length=64, db_index=True)
    summary = models.CharField(_("摘要"), max_length=255, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    result = models.CharField(_("结果"), max_length=16, default="ok")

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class AuditSeal(models.Model):
    """The hash-chain link of one audit row: seq is the row's place in the chain, hash = SM3(prev_hash, seq and
    every field of the row). Rows are sealed right after their transaction commits (`seal_events`), so the lock
    on the chain head is held for a few inserts, never across a business transaction.

    `event` has no database constraint on purpose: a row deleted behind the application's back must leave its
    seal dangling, so that `onewindow audit verify` can name it.
    """

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    event = models.OneToOneField(AuditEvent, on_delete=models.DO_NOTHING, db_constraint=False, related_name="seal")
    prev_hash = models.CharField(_("前一哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64)
    sealed_at = models.DateTimeField(_("封存时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审计哈希链")
        verbose_name_plural = _("审计哈希链")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class AuditUnsealed(models.Model):
    """An audit row waiting for its chain link: written in the row's own transaction (so it exists exactly when
    the row does), taken and deleted by `seal_queued` in the worker. A plain queue, not part of the evidence:
    a row missing here is still found by `seal_pending`'s full scan (`onewindow audit verify|seal`)."""

    event_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = _("待封存审计记录")
        verbose_name_plural = _("待封存审计记录")

    def __str__(self) -> str:
        return str(self.event_id)


class AuditChainHead(models.Model):
    """One row (pk=1): the last link of the chain, and the anchor the chain starts from after a prune."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    anchor_seq = models.PositiveBigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.seq}"


class AuditPermit(models.Model):
    """While a row exists here (inside the prune transaction only), the PostgreSQL triggers let audit rows be
    deleted. Nothing else ever writes it."""

    reason = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("审计删除许可")
        verbose_name_plural = _("审计删除许可")

    def __str__(self) -> str:
        return self.reason

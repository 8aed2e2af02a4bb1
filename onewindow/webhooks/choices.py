from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    """Events external systems may subscribe to. Values are the `type` of the signed JSON envelope."""

    CASE_RECEIVED = "case.received", _("办件已收件")
    CASE_ACCEPTED = "case.accepted", _("办件已受理")
    CASE_DECIDED = "case.decided", _("办件已办结（作出决定）")
    CASE_DELIVERED = "case.delivered", _("办理结果已送达")
    CASE_REVOKED = "case.revoked", _("许可已撤销")
    HANDOFF_CREATED = "handoff.created", _("审管联动：已推送监管部门")
    HANDOFF_CLAIMED = "handoff.claimed", _("审管联动：监管部门已认领")
    HANDOFF_FEEDBACK = "handoff.feedback", _("审管联动：监管部门反馈")


class AttemptOutcome(models.TextChoices):
    DELIVERED = "delivered", _("已送达")
    RETRY = "retry", _("失败，将重试")
    REFUSED = "refused", _("被拒收（不再重试）")


class MessageLevel(models.TextChoices):
    INFO = "info", _("通知")
    WARNING = "warning", _("提醒")
    ALERT = "alert", _("告警")

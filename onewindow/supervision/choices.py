from django.db import models
from django.utils.translation import gettext_lazy as _


class HandoffKind(models.TextChoices):
    """Why a record went to a supervising department."""

    APPROVAL = "approval", _("准予许可")
    DENIAL = "denial", _("不予许可")
    REVOCATION = "revocation", _("撤销许可")
    LICENCE_CHANGE = "licence_change", _("证照变更")
    REGISTRATION = "registration", _("登记信息推送（双告知）")


class HandoffStatus(models.TextChoices):
    PENDING = "pending", _("待认领")
    CLAIMED = "claimed", _("已认领")
    CLOSED = "closed", _("监管办结")


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("未催办")
    REMINDED = 1, _("已提醒联络员")
    HEAD = 2, _("已报部门负责人")
    BUREAU = 3, _("已报审批局")


class FeedbackKind(models.TextChoices):
    """What a supervising department sends back for the approver's reference."""

    VISIT = "visit", _("现场检查")
    FINDING = "finding", _("检查发现")
    FOLLOW_UP = "follow_up", _("后续处理")
    CREDIT = "credit", _("信用信息")
    PUNISHMENT = "punishment", _("行政处罚")
    LICENCE_CHANGE = "licence_change", _("证照变更")
    OTHER = "other", _("其他")


class HandoffAction(models.TextChoices):
    CREATE = "create", _("推送")
    CLAIM = "claim", _("认领")
    FEEDBACK = "feedback", _("反馈")
    CLOSE = "close", _("监管办结")
    REMIND = "remind", _("提醒联络员")
    ESCALATE_HEAD = "escalate_head", _("报部门负责人")
    ESCALATE_BUREAU = "escalate_bureau", _("报审批局")
    ASSIGN = "assign", _("指定部门")

"""Case enums. Statuses carry the national status code shared by the major platforms (DOMAIN.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("网上申请待预审")
    RECEIVED = "received", _("已接件")
    ACCEPTED = "accepted", _("已受理")
    CORRECTION = "correction", _("补正中")
    IN_REVIEW = "in_review", _("办理中")
    SPECIAL = "special", _("特别程序中")
    APPROVED = "approved", _("办结（通过）")
    APPROVED_PENDING = "approved_pending", _("办结（容缺通过）")
    DENIED = "denied", _("办结（不通过）")
    REFUSED = "refused", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")
    REVOKED = "revoked", _("已撤销")


# National status code (1 已接件 … 15 撤销) for exchange with provincial platforms.
NATIONAL_STATUS_CODE = {
    Status.SUBMITTED: "1", Status.RECEIVED: "1", Status.ACCEPTED: "3", Status.CORRECTION: "6",
    Status.IN_REVIEW: "8", Status.SPECIAL: "9", Status.APPROVED: "11", Status.APPROVED_PENDING: "12",
    Status.DENIED: "13", Status.REFUSED: "5", Status.WITHDRAWN: "14", Status.REVOKED: "15",
}

OPEN_STATUSES = {Status.SUBMITTED, Status.RECEIVED, Status.ACCEPTED, Status.CORRECTION, Status.IN_REVIEW, Status.SPECIAL}
DONE_STATUSES = {Status.APPROVED, Status.APPROVED_PENDING, Status.DENIED}
CLOCK_STATUSES = {Status.ACCEPTED, Status.IN_REVIEW, Status.CORRECTION, Status.SPECIAL}


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口")
    ONLINE_PC = "online_pc", _("网上办理（电脑）")
    MOBILE = "mobile", _("移动端")
    POST = "post", _("邮寄")
    TOWNSHIP = "township", _("乡镇便民服务中心")
    VILLAGE = "village", _("村（社区）便民服务站")
    BANK_OUTLET = "bank_outlet", _("银行网点")
    KIOSK = "kiosk", _("自助终端")


ONLINE_CHANNELS = {Channel.ONLINE_PC, Channel.MOBILE}
# Channels where the applicant stands in front of someone: each counts as a visit.
ON_SITE_CHANNELS = {Channel.WINDOW, Channel.TOWNSHIP, Channel.VILLAGE, Channel.BANK_OUTLET, Channel.KIOSK}


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人或其他组织")


class CertType(models.TextChoices):
    """Certificate type codes as used in national exchange data (GB/T 39046 / e-licence holder types)."""

    ID_CARD = "111", _("居民身份证")
    CREDIT_CODE = "001", _("统一社会信用代码")
    PASSPORT = "414", _("护照")
    HK_MACAO = "516", _("港澳居民来往内地通行证")
    TAIWAN = "511", _("台湾居民来往大陆通行证")
    OTHER = "999", _("其他")


class Action(models.TextChoices):
    SUBMIT = "submit", _("网上提交")
    PREREVIEW_PASS = "prereview_pass", _("预审通过")
    RECEIVE = "receive", _("收件")
    ACCEPT = "accept", _("受理")
    ACCEPT_PENDING = "accept_pending", _("容缺受理")
    REFUSE = "refuse", _("不予受理")
    REQUEST_CORRECTION = "request_correction", _("一次性告知补正")
    RECEIVE_CORRECTION = "receive_correction", _("补正材料已收")
    FORWARD = "forward", _("转县级科室办理")
    START_REVIEW = "start_review", _("开始办理")
    REVIEW = "review", _("审查意见")
    RETURN = "return", _("退回")
    START_SPECIAL = "start_special", _("特别程序开始")
    END_SPECIAL = "end_special", _("特别程序结束")
    EXTEND = "extend", _("延长审批期限")
    APPROVE = "approve", _("准予许可（办结）")
    DENY = "deny", _("不予许可（办结）")
    FULFIL_PENDING = "fulfil_pending", _("容缺材料补齐")
    DELIVER = "deliver", _("送达")
    ARCHIVE = "archive", _("归档")
    WITHDRAW = "withdraw", _("撤回")
    REVOKE = "revoke", _("撤销")
    VISIT = "visit", _("到现场")
    UPLOAD = "upload", _("上传材料")


class ReviewStage(models.TextChoices):
    UNDERTAKE = "undertake", _("承办")
    CHECK = "check", _("审核")
    APPROVE = "approve", _("批准")


class MaterialStatus(models.TextChoices):
    RECEIVED = "received", _("已收")
    PENDING = "pending", _("容缺待补")
    MISSING = "missing", _("未收")
    NOT_APPLICABLE = "na", _("不适用")


class PauseKind(models.TextChoices):
    CORRECTION = "correction", _("补正")
    SPECIAL = "special", _("特别程序")


class SpecialProcedureKind(models.TextChoices):
    """特别程序种类: 1 延长审批 · 2 其他 (hearing, testing, expert review, site inspection …)."""

    HEARING = "hearing", _("听证")
    TESTING = "testing", _("检验检测")
    EXPERT_REVIEW = "expert_review", _("专家评审")
    SITE_INSPECTION = "site_inspection", _("现场核查")
    APPRAISAL = "appraisal", _("鉴定")
    OTHER = "other", _("其他")


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("窗口领取")
    EMS = "ems", _("EMS 寄递")
    ELECTRONIC = "electronic", _("电子送达")


class DueState(models.TextChoices):
    NORMAL = "normal", _("正常")
    WARNING = "warning", _("临近到期")
    OVERDUE = "overdue", _("已超期")
    PAUSED = "paused", _("暂停计时")
    DONE = "done", _("已办结")
    NONE = "none", _("未计时")

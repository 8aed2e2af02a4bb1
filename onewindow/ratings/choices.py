"""好差评 enums. One internal scale, the national one (1 非常满意 … 5 非常不满意); the UI shows stars and maps
at the edge (5 stars = level 1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    VERY_SATISFIED = 1, _("非常满意")
    SATISFIED = 2, _("满意")
    BASIC = 3, _("基本满意")
    DISSATISFIED = 4, _("不满意")
    VERY_DISSATISFIED = 5, _("非常不满意")


# 差评: the last two levels (国办发〔2019〕51号).
BAD_LEVELS = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})


def stars_of(level: int) -> int:
    """Stars shown for a national level: 1 非常满意 → 5 stars … 5 非常不满意 → 1 star."""
    return 6 - int(level)


def level_of_stars(stars: int) -> int:
    if not 1 <= int(stars) <= 5:
        raise ValueError("stars must be 1..5")
    return 6 - int(stars)


class Stage(models.TextChoices):
    """What is rated: a case at acceptance or completion (一事一评), or one hall visit (一次一评)."""

    ACCEPTANCE = "accept", _("受理")
    COMPLETION = "complete", _("办结")
    ON_SITE = "onsite", _("现场服务")


class Channel(models.TextChoices):
    """Rating channels named in the national rules."""

    PC = "pc", _("电脑端")
    MOBILE = "mobile", _("移动端")
    QR = "qr", _("二维码")
    TABLET = "tablet", _("窗口评价器")
    TERMINAL = "terminal", _("大厅自助终端")
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    DEFAULT = "default", _("逾期未评（默认）")


# The star form, best first: (stars, label). Stars map to the national level at the edge (level = 6 − stars).
STAR_CHOICES = [(5, _("非常满意")), (4, _("满意")), (3, _("基本满意")), (2, _("不满意")), (1, _("非常不满意"))]

# Reasons an applicant may tick with a bad rating (shown as checkboxes; free text as well).
BAD_REASONS = [
    ("attitude", _("服务态度不好")),
    ("wait", _("等候时间长")),
    ("slow", _("办理时间长")),
    ("visits", _("多次跑腿")),
    ("unclear", _("告知不清楚")),
    ("other", _("其他")),
]


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("待回访")
    CALLED_BACK = "called_back", _("已回访，待核实")
    VERIFIED = "verified", _("已核实，待整改或说明")
    RECTIFIED = "rectified", _("已整改")
    EXPLAINED = "explained", _("已解释说明")
    WITHDRAWN = "withdrawn", _("申诉成立，不计差评")


CLOSED_FOLLOW_UP = frozenset({FollowUpStatus.RECTIFIED, FollowUpStatus.EXPLAINED, FollowUpStatus.WITHDRAWN})


class Finding(models.TextChoices):
    SUBSTANTIATED = "true", _("属实")
    PARTLY = "partly", _("部分属实")
    UNSUBSTANTIATED = "false", _("不属实")


class AppealStatus(models.TextChoices):
    NONE = "", _("无")
    PENDING = "pending", _("申诉中")
    UPHELD = "upheld", _("申诉成立")
    REJECTED = "rejected", _("申诉驳回")


class FollowUpAction(models.TextChoices):
    OPEN = "open", _("差评生成整改单")
    ASSIGN = "assign", _("指定责任人")
    CALLBACK = "callback", _("回访")
    VERIFY = "verify", _("核实")
    RECTIFY = "rectify", _("整改")
    EXPLAIN = "explain", _("解释说明")
    APPEAL = "appeal", _("申诉")
    APPEAL_UPHELD = "appeal_upheld", _("申诉成立")
    APPEAL_REJECTED = "appeal_rejected", _("申诉驳回")

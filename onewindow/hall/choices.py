"""Hall enums: ticket and appointment statuses as halls name them (未取号 / 已取号 / 爽约 / 已取消)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("等候中")
    CALLED = "called", _("已叫号")
    SERVING = "serving", _("办理中")
    DONE = "done", _("已办结")
    NO_SHOW = "no_show", _("过号")
    CLOSED = "closed", _("日终关闭")


# "A second waiting ticket for the same person and category is refused": these statuses count as waiting.
WAITING_STATUSES = [TicketStatus.WAITING, TicketStatus.CALLED]
OPEN_STATUSES = [TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING]


class Priority(models.TextChoices):
    """Why a ticket is called earlier. The order of service comes from ONEWINDOW_HALL_PRIORITY_ORDER."""

    NORMAL = "normal", _("普通")
    APPOINTMENT = "appointment", _("预约")
    ELDERLY = "elderly", _("老年人")
    DISABLED = "disabled", _("残疾人等需优先")
    KEY_ENTERPRISE = "key_enterprise", _("重点企业")


# Rank of a ticket moved to the top by staff (with a logged reason): before every priority kind.
TOP_RANK = 0


class TicketSource(models.TextChoices):
    KIOSK = "kiosk", _("自助取号机")
    APPOINTMENT = "appointment", _("预约签到")
    STAFF = "staff", _("导服台代取")
    API = "api", _("接口")


class TicketAction(models.TextChoices):
    ISSUE = "issue", _("取号")
    CALL = "call", _("叫号")
    CALL_OUT_OF_ORDER = "call_out_of_order", _("越号呼叫")
    RECALL = "recall", _("重呼")
    TRANSFER = "transfer", _("转移")
    NO_SHOW = "no_show", _("过号")
    SKIP = "skip", _("顺延")
    MOVE_TOP = "move_top", _("置顶")
    START = "start", _("开始办理")
    FINISH = "finish", _("办结")
    LINK_CASE = "link_case", _("关联办件")
    CLOSE = "close", _("日终关闭")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("已预约（未取号）")
    CHECKED_IN = "checked_in", _("已签到取号")
    CANCELLED = "cancelled", _("已取消")
    NO_SHOW = "no_show", _("爽约")


# Bookings that hold a place (and count against the caps).
HOLDING_STATUSES = [AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN]


class AppointmentSource(models.TextChoices):
    WEB = "web", _("网上预约")
    MOBILE = "mobile", _("移动端预约")
    STAFF = "staff", _("工作人员代约")
    API = "api", _("接口")

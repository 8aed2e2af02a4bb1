"""Service hall tables.

No plain ID numbers live here: a person is found again through keyed hashes (`id_key`, `phone_key`, the
same HMAC as `cases.services.cert_index`). Appointments keep the phone number, because the SMS reminder
needs it; tickets keep none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onewindow.core.pii import EncryptedCharField

from .choices import (
    HOLDING_STATUSES,
    WAITING_STATUSES,
    AppointmentSource,
    AppointmentStatus,
    Priority,
    TicketAction,
    TicketSource,
    TicketStatus,
)

validate_slot_times = RegexValidator(
    r"^(\d{2}:\d{2}-\d{2}:\d{2})(,\s*\d{2}:\d{2}-\d{2}:\d{2})*$",
    _("格式如 09:00-10:00,10:00-11:00"),
)


def parse_slot_times(text: str) -> list[tuple[dt.time, dt.time]]:
    """"09:00-10:00,14:00-15:00" → [(09:00, 10:00), (14:00, 15:00)]. Bad or empty parts raise ValueError."""
    slots = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        start, _sep, end = part.partition("-")
        a = dt.time.fromisoformat(start.strip())
        b = dt.time.fromisoformat(end.strip())
        if b <= a:
            raise ValueError(f"slot {part} ends before it starts")
        slots.append((a, b))
    return slots


class HallConfig(models.Model):
    """A centre's hall settings: appointment slot times, weekend (无休日) and extended hours."""

    centre = models.OneToOneField("org.ServiceCentre", verbose_name=_("服务中心"), on_delete=models.CASCADE,
                                  related_name="hall_config")
    slot_times = models.CharField(_("工作日预约时段"), max_length=300, blank=True, validators=[validate_slot_times],
                                  help_text=_("留空使用全局设置 ONEWINDOW_HALL_SLOT_TIMES"))
    weekend_slot_times = models.CharField(_("无休日预约时段"), max_length=300, blank=True,
                                          validators=[validate_slot_times])
    weekend_hours = models.CharField(_("无休日办理时间"), max_length=200, blank=True,
                                     default="周六、周日 9:00–12:00，14:00–16:00（法定节假日除外）")
    extended_hours = models.CharField(_("延时服务"), max_length=200, blank=True,
                                      help_text=_("如：工作日 12:00–14:00 午间不打烊，17:00–19:00 延时服务"))
    board_notice = models.CharField(_("显示屏滚动提示"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("大厅设置")
        verbose_name_plural = _("大厅设置")

    def __str__(self) -> str:
        return str(self.centre)


class QueueCategory(models.Model):
    """A queue (取号类别) of a centre, e.g. A 综合业务, B 不动产登记; mapped to the items it serves."""

    centre = models.ForeignKey("org.ServiceCentre", verbose_name=_("服务中心"), on_delete=models.PROTECT,
                               related_name="queue_categories")
    prefix = models.CharField(_("号码字头"), max_length=2,
                              validators=[RegexValidator(r"^[A-Z]{1,2}$", _("一到两个大写字母，如 A"))])
    name = models.CharField(_("名称"), max_length=60)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    items = models.ManyToManyField("catalog.ServiceItem", verbose_name=_("办理事项"), blank=True,
                                   related_name="queue_categories")
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    slot_capacity = models.PositiveSmallIntegerField(_("每时段可预约人数"), default=0,
                                                     help_text=_("0 表示使用全局设置"))
    service_minutes = models.PositiveSmallIntegerField(_("平均办理分钟（估算用）"), default=0,
                                                       help_text=_("0 表示按历史数据或全局设置"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("取号类别")
        verbose_name_plural = _("取号类别")
        ordering = ["centre", "order", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "prefix"], name="queue_category_prefix_unique"),
            models.UniqueConstraint(fields=["centre", "name"], name="queue_category_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"

    @property
    def capacity(self) -> int:
        return self.slot_capacity or settings.ONEWINDOW_HALL_SLOT_CAPACITY


class HallWindow(models.Model):
    """The hall side of an org.Window: the categories it serves, who holds it, the ticket at it.

    General windows (综合窗口) serve every category of their centre; specialised ones the listed categories.
    One clerk holds a window at a time (the row's holder), and a clerk holds one window at a time
    (a partial unique index, so two logins at once cannot both win).
    """

    window = models.OneToOneField("org.Window", verbose_name=_("窗口"), on_delete=models.CASCADE, related_name="hall")
    categories = models.ManyToManyField(QueueCategory, verbose_name=_("服务类别"), blank=True,
                                        related_name="windows", help_text=_("综合窗口服务全部类别，无需选择"))
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("当前使用人"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    held_since = models.DateTimeField(_("登录时间"), null=True, blank=True)
    current_ticket = models.ForeignKey("Ticket", verbose_name=_("当前号"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("大厅窗口")
        verbose_name_plural = _("大厅窗口")
        constraints = [
            models.UniqueConstraint(fields=["holder"], condition=Q(holder__isnull=False),
                                    name="hall_window_one_window_per_clerk"),
        ]

    def __str__(self) -> str:
        return f"{self.window.number}号窗口"

    @property
    def label(self) -> str:
        return f"{self.window.number}号窗口"


class WindowSession(models.Model):
    """History of who held which window when (for statistics and the audit trail)."""

    window = models.ForeignKey(HallWindow, on_delete=models.CASCADE, related_name="sessions")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["window"], condition=Q(ended_at__isnull=True),
                                    name="window_session_one_open_per_window"),
        ]

    def __str__(self) -> str:
        return f"{self.window_id}:{self.clerk_id} {self.started_at:%Y-%m-%d %H:%M}"


class TicketCounter(models.Model):
    """Per (category, day) ticket counter. Incremented with a conditional UPDATE in the same transaction as
    the ticket insert: the row lock serialises kiosks of one category, and a failed issue rolls the
    increment back, so numbers are unique and gap-free."""

    category = models.ForeignKey(QueueCategory, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category", "day"], name="ticket_counter_unique")]

    def __str__(self) -> str:
        return f"{self.category_id}:{self.day}:{self.last}"


class TicketQuerySet(models.QuerySet["Ticket"]):
    def in_call_order(self) -> TicketQuerySet:
        """The calling order: priority rank, then time in the queue (a transfer keeps it), then number."""
        return self.order_by("rank", "queued_at", "id")


class Ticket(models.Model):
    """A queue ticket such as A023. `queued_at` orders the queue and survives transfers; `issued_at` is
    when the applicant took it (waiting time for statistics)."""

    token = models.CharField(max_length=32, unique=True, editable=False)
    centre = models.ForeignKey("org.ServiceCentre", verbose_name=_("服务中心"), on_delete=models.PROTECT,
                               related_name="tickets")
    issued_category = models.ForeignKey(QueueCategory, verbose_name=_("取号类别"), on_delete=models.PROTECT,
                                        related_name="+")
    category = models.ForeignKey(QueueCategory, verbose_name=_("当前类别"), on_delete=models.PROTECT,
                                 related_name="tickets")
    day = models.DateField(_("日期"))
    number = models.PositiveIntegerField(_("序号"))
    code = models.CharField(_("号码"), max_length=8)
    status = models.CharField(_("状态"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING)
    priority = models.CharField(_("优先类型"), max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    rank = models.PositiveSmallIntegerField(_("排序级别"), default=9)
    source = models.CharField(_("来源"), max_length=12, choices=TicketSource.choices, default=TicketSource.KIOSK)
    id_key = models.CharField(max_length=64, blank=True, editable=False)
    phone_key = models.CharField(max_length=64, blank=True, editable=False)
    appointment = models.OneToOneField("Appointment", verbose_name=_("预约"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="ticket")

    issued_at = models.DateTimeField(_("取号时间"))
    issued_hour = models.PositiveSmallIntegerField(_("取号时段"))  # local hour, for peak-hour statistics
    queued_at = models.DateTimeField(_("排队时间"))
    called_at = models.DateTimeField(_("叫号时间"), null=True, blank=True)
    first_called_at = models.DateTimeField(_("首次叫号时间"), null=True, blank=True)
    serve_started_at = models.DateTimeField(_("开始办理"), null=True, blank=True)
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    # Seconds, stored when known, so averages are plain integer aggregates on every database.
    wait_seconds = models.PositiveIntegerField(_("等候秒数"), null=True, blank=True)
    service_seconds = models.PositiveIntegerField(_("办理秒数"), null=True, blank=True)

    window = models.ForeignKey(HallWindow, verbose_name=_("窗口"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="tickets")
    target_window = models.ForeignKey(HallWindow, verbose_name=_("转至窗口"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办理人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    recalls = models.PositiveSmallIntegerField(_("重呼次数"), default=0)
    transfers = models.PositiveSmallIntegerField(_("转移次数"), default=0)
    cases: models.ManyToManyField[Any, Any] = models.ManyToManyField("cases.Case", through="TicketCase", verbose_name=_("办件"), blank=True,
                                   related_name="tickets")

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("排队号")
        verbose_name_plural = _("排队号")
        ordering = ["-day", "code"]
        constraints = [
            models.UniqueConstraint(fields=["issued_category", "day", "number"], name="ticket_number_unique"),
            models.UniqueConstraint(fields=["centre", "day", "code"], name="ticket_code_unique"),
            # The database says it too: one waiting ticket per person (ID or phone) and category a day.
            models.UniqueConstraint(fields=["category", "day", "id_key"], name="ticket_one_waiting_per_id",
                                    condition=Q(status__in=WAITING_STATUSES) & ~Q(id_key="")),
            models.UniqueConstraint(fields=["category", "day", "phone_key"], name="ticket_one_waiting_per_phone",
                                    condition=Q(status__in=WAITING_STATUSES) & ~Q(phone_key="")),
        ]
        indexes = [
            models.Index(fields=["centre", "day", "status", "rank", "queued_at"], name="ticket_queue_idx"),
            models.Index(fields=["centre", "day", "issued_hour"], name="ticket_stats_idx"),
        ]
        permissions = [
            ("call_ticket", _("窗口叫号")),
            ("manage_queue", _("大厅排队管理")),
            ("view_hall_stats", _("查看大厅统计")),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.day})"

    @property
    def is_waiting(self) -> bool:
        return self.status in WAITING_STATUSES


class TicketCase(models.Model):
    """A case handled while serving a ticket (one visit, several items is normal at a general window)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="ticket_links")
    linked_at = models.DateTimeField()
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "case"], name="ticket_case_unique")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.case_id}"


class TicketEvent(models.Model):
    """Append-only history of a ticket: every call, recall, transfer, skip (with its reason)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=20, choices=TicketAction.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    window = models.ForeignKey(HallWindow, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action}"


class Call(models.Model):
    """One announcement on the display board ("请A023号到3号窗口办理"); the board polls by id."""

    centre = models.ForeignKey("org.ServiceCentre", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="calls")
    window = models.ForeignKey(HallWindow, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    is_recall = models.BooleanField(default=False)
    text = models.CharField(max_length=100)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["centre", "id"], name="hall_call_feed_idx")]

    def __str__(self) -> str:
        return self.text


class AppointmentSlot(models.Model):
    """Bookable capacity of one category in one time slot. `booked` moves with conditional UPDATEs
    (… WHERE booked < capacity), so capacity holds under concurrency and a cancellation frees a place at once."""

    centre = models.ForeignKey("org.ServiceCentre", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(QueueCategory, verbose_name=_("类别"), on_delete=models.CASCADE,
                                 related_name="slots")
    day = models.DateField(_("日期"))
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))
    capacity = models.PositiveSmallIntegerField(_("可约人数"))
    booked = models.PositiveSmallIntegerField(_("已约人数"), default=0)

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["day", "start"]
        constraints = [
            models.UniqueConstraint(fields=["category", "day", "start"], name="slot_unique"),
            models.CheckConstraint(condition=Q(booked__lte=models.F("capacity")), name="slot_not_overbooked"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


class Appointment(models.Model):
    """A booking (预约). Statuses as halls name them: 未取号 (booked), 已取号, 爽约, 已取消."""

    code = models.CharField(_("预约码"), max_length=12, unique=True, editable=False)
    centre = models.ForeignKey("org.ServiceCentre", verbose_name=_("服务中心"), on_delete=models.PROTECT,
                               related_name="appointments")
    category = models.ForeignKey(QueueCategory, verbose_name=_("类别"), on_delete=models.PROTECT,
                                 related_name="appointments")
    slot = models.ForeignKey(AppointmentSlot, verbose_name=_("时段"), on_delete=models.PROTECT,
                             related_name="appointments")
    item = models.ForeignKey("catalog.ServiceItem", verbose_name=_("事项"), on_delete=models.PROTECT,
                             related_name="appointments")
    day = models.DateField(_("日期"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("网上账号"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="appointments")
    name = models.CharField(_("姓名"), max_length=100)
    id_key = models.CharField(max_length=64, editable=False)
    phone_key = models.CharField(max_length=64, editable=False)
    phone = EncryptedCharField(_("手机号"), max_length=20)
    status = models.CharField(_("状态"), max_length=12, choices=AppointmentStatus.choices,
                              default=AppointmentStatus.BOOKED)
    source = models.CharField(_("来源"), max_length=8, choices=AppointmentSource.choices,
                              default=AppointmentSource.WEB)
    created_at = models.DateTimeField(_("预约时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["-day", "slot__start"]
        indexes = [
            models.Index(fields=["id_key", "day"], name="appointment_person_idx"),
            models.Index(fields=["phone_key", "day"], name="appointment_phone_idx"),
            models.Index(fields=["centre", "day", "status"], name="appointment_day_idx"),
        ]
        permissions = [("book_for_applicant", _("为申请人代预约"))]

    def __str__(self) -> str:
        return f"{self.code} {self.day}"

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDING_STATUSES

    @property
    def masked_name(self) -> str:
        from onewindow.core.masking import mask_name

        return mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        from onewindow.core.masking import mask_phone

        return mask_phone(self.phone)


class BookingPerson(models.Model):
    """One row per identity key (ID or phone hash): the row bookings lock so caps hold under concurrency,
    and where a no-show suspension is kept."""

    key = models.CharField(max_length=64, unique=True)
    suspended_until = models.DateField(_("暂停预约至"), null=True, blank=True)
    # No-shows on or before this day were already counted into a suspension.
    counted_until = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("预约人")
        verbose_name_plural = _("预约人")

    def __str__(self) -> str:
        return self.key[:12]


class KeyEnterprise(models.Model):
    """An enterprise on the county's key-enterprise list (重点企业): its tickets get priority."""

    name = models.CharField(_("企业名称"), max_length=200)
    code_key = models.CharField(max_length=64, unique=True, editable=False)
    masked_code = models.CharField(_("统一社会信用代码"), max_length=20, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("重点企业")
        verbose_name_plural = _("重点企业")

    def __str__(self) -> str:
        return self.name


class QueueDay(models.Model):
    """The archive of a closed day: written by `onewindow hall close-day` with the day's figures."""

    centre = models.ForeignKey("org.ServiceCentre", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    closed_at = models.DateTimeField()
    summary = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("日终归档")
        verbose_name_plural = _("日终归档")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["centre", "day"], name="queue_day_unique")]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.day}"


"""`onewindow hall close-day [--date D] [--centre C]` (nightly), `onewindow hall remind [--date D]` (evening:
SMS reminders for the next day's bookings), `onewindow hall setup [CENTRE …]` (a first queue for a centre)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from onewindow.core import clock
from onewindow.hall import services
from onewindow.hall.choices import OPEN_STATUSES, AppointmentStatus
from onewindow.hall.models import Appointment, Ticket
from onewindow.org.models import ServiceCentre


def _date(value: str | None, default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from exc


class Command(BaseCommand):
    help = "服务大厅：日终关闭排队并归档、作废未签到预约（close-day）；发送次日预约提醒（remind）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        close = sub.add_parser("close-day", help="关闭当日（及更早未关闭日）的排队，作废未签到预约并归档")
        close.add_argument("--date", default=None, help="YYYY-MM-DD，默认今天")
        close.add_argument("--centre", default=None, help="服务中心编码，默认所有有排队或预约的中心")
        remind = sub.add_parser("remind", help="为某日的预约发送短信提醒（默认明天）")
        remind.add_argument("--date", default=None)
        setup = sub.add_parser("setup", help="为尚无取号类别的中心建立“A 综合业务”（受理本中心可办的全部事项）")
        setup.add_argument("centres", nargs="*", help="服务中心编码，默认所有有窗口的中心")

    def handle(self, *args: Any, **options: Any) -> None:
        today = clock.today()
        if options["action"] == "setup":
            qs = ServiceCentre.objects.active()
            qs = qs.filter(code__in=options["centres"]) if options["centres"] else qs.filter(windows__isnull=False).distinct()
            for centre in qs.order_by("code"):
                categories = services.setup_centre(actor=None, centre=centre)
                self.stdout.write(f"{centre.code}: " + ", ".join(f"{c.prefix} {c.name} ({c.items.count()} items)"
                                                                 for c in categories))
            return
        if options["action"] == "remind":
            day = _date(options["date"], today + dt.timedelta(days=1))
            sent = services.send_reminders(actor=None, day=day)
            self.stdout.write(f"reminded {sent} appointment(s) for {day}")
            return
        day = _date(options["date"], today)
        if options["centre"]:
            centres = list(ServiceCentre.objects.filter(code=options["centre"]))
            if not centres:
                raise CommandError(f"没有编码为 {options['centre']} 的服务中心")
        else:
            ids = set(Ticket.objects.filter(Q(day=day) | Q(day__lt=day, status__in=OPEN_STATUSES))
                      .values_list("centre_id", flat=True))
            ids |= set(Appointment.objects.filter(Q(day=day) | Q(day__lt=day, status=AppointmentStatus.BOOKED))
                       .values_list("centre_id", flat=True))
            centres = list(ServiceCentre.objects.filter(pk__in=ids).order_by("code"))
        for centre in centres:
            archive = services.close_day(actor=None, centre=centre, day=day)
            summary = archive.summary
            self.stdout.write(
                f"{centre.code} {day}: tickets={summary['totals']['tickets']} closed={summary['closed_tickets']} "
                f"no_show_bookings={summary['no_show_bookings']} suspensions={summary['suspensions']}")
        if not centres:
            self.stdout.write(f"nothing to close for {day}")

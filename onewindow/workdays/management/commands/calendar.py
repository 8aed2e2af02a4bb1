"""`onewindow calendar due DATE N`, `calendar seed`, `calendar import FILE --year Y`, `calendar show Y`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.workdays import calendar as wd
from onewindow.workdays import services


class Command(BaseCommand):
    help = "工作日历：计算期限、导入年度放假安排、查看年度日历。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("due", help="DATE 之后第 N 个工作日（DATE 当天不计）")
        due.add_argument("date")
        due.add_argument("n", type=int)
        due.add_argument("--centre", default=None, help="服务中心编码（使用该中心的日历调整）")
        between = sub.add_parser("between", help="两个日期之间的工作日数（起始日不计）")
        between.add_argument("start")
        between.add_argument("end")
        sub.add_parser("seed", help="从 chinese_calendar 写入其覆盖的年份")
        imp = sub.add_parser("import", help="导入一年的放假安排（CSV: date,kind,name 或 JSON）")
        imp.add_argument("file")
        imp.add_argument("--year", type=int, required=True)
        imp.add_argument("--note", default="")
        show = sub.add_parser("show", help="列出一年的节假日和调休上班日")
        show.add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "due":
            start = _parse_date(options["date"])
            if options["n"] < 0:
                raise CommandError("N 必须是非负整数")
            centre = None
            if options["centre"]:
                from onewindow.org.models import ServiceCentre

                centre = ServiceCentre.objects.filter(code=options["centre"]).first()
                if centre is None:
                    raise CommandError(f"没有编码为 {options['centre']} 的服务中心")
            try:
                result = wd.add_working_days(start, options["n"], centre)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(result.date.isoformat())
            if result.provisional:
                self.stderr.write("注意：结果涉及尚未导入官方放假安排的年份，按临时日历（周末+法定节假日）计算。")
        elif action == "between":
            self.stdout.write(str(wd.working_days_between(_parse_date(options["start"]), _parse_date(options["end"]))))
        elif action == "seed":
            years = services.seed_from_chinese_calendar(actor=None)
            self.stdout.write(f"seeded {len(years)} years" + (f": {years[0]}–{years[-1]}" if years else ""))
        elif action == "import":
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"找不到文件 {path}")
            try:
                year = services.import_year(actor=None, year=options["year"], content=path.read_bytes(), note=options["note"])
            except ValidationError as exc:
                raise CommandError("导入失败，未写入任何数据：\n" + "\n".join(exc.messages)) from exc
            self.stdout.write(f"imported {year.year}")
        elif action == "show":
            cal = wd.get_calendar()
            year = options["year"]
            if cal.is_provisional(year):
                self.stdout.write(f"{year}: 临时日历（未导入官方安排）")
                for day, name in sorted(wd.statutory_holidays(year).items()):
                    self.stdout.write(f"{day} rest {name}")
            else:
                from onewindow.workdays.models import CalendarDay

                for day in CalendarDay.objects.filter(centre__isnull=True, date__year=year):
                    self.stdout.write(f"{day.date} {day.kind} {day.name}")


def _parse_date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"日期“{raw}”无效，应为 YYYY-MM-DD") from exc

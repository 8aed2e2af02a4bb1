"""Writes to the calendar: seeding from chinese_calendar and importing a year's official schedule."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.audit.services import record_event

from .choices import DayKind, YearSource
from .models import CalendarDay, CalendarYear


def chinese_calendar_years() -> list[int]:
    """The years the installed chinese_calendar package knows (it raises for the others)."""
    import chinese_calendar

    years = sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})
    return years


@transaction.atomic
def seed_from_chinese_calendar(*, actor: Any, years: list[int] | None = None, overwrite: bool = False) -> list[int]:
    """Copy the package's schedule into the table. Years already present are kept unless `overwrite`."""
    import chinese_calendar

    wanted = years or chinese_calendar_years()
    seeded: list[int] = []
    for year in wanted:
        existing = CalendarYear.objects.filter(year=year).first()
        if existing and not overwrite:
            continue
        CalendarDay.objects.filter(centre__isnull=True, date__year=year).delete()
        rows = []
        for day, name in chinese_calendar.holidays.items():
            if day.year == year:
                rows.append(CalendarDay(date=day, kind=DayKind.REST, name=_holiday_name(name)))
        for day, name in chinese_calendar.workdays.items():
            if day.year == year and day.weekday() >= 5:
                rows.append(CalendarDay(date=day, kind=DayKind.WORK, name=_holiday_name(name) + "调休"))
        CalendarDay.objects.bulk_create(rows)
        CalendarYear.objects.update_or_create(year=year, defaults={"source": YearSource.SEED, "note": "chinese_calendar"})
        seeded.append(year)
    if seeded:
        record_event(
            actor=actor, action="calendar_seeded", object_type="workdays.calendaryear",
            object_id=",".join(map(str, seeded))[:64], summary=f"{seeded[0]}–{seeded[-1]}", data={"years": seeded},
        )
    return seeded


_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_name(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return _NAMES.get(text, text)


@dataclass
class ImportRow:
    line: int
    date: dt.date
    kind: str
    name: str


def parse_schedule(content: bytes | str, year: int) -> list[ImportRow]:
    """Parse a year's schedule: CSV `date,kind,name` (kind: rest/work or 休/班) or a JSON list of objects.

    Every problem is reported with its line; nothing is returned unless all lines are good.
    """
    text = _decode(content) if isinstance(content, bytes) else content
    errors: list[str] = []
    rows: list[ImportRow] = []
    records: list[tuple[int, dict[str, Any]]] = []
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ValidationError(_("JSON 格式错误：%(err)s") % {"err": exc}) from exc
        records = [(i + 1, r if isinstance(r, dict) else {}) for i, r in enumerate(data)]
    else:
        reader = csv.reader(io.StringIO(text))
        for number, fields in enumerate(reader, start=1):
            if not fields or not "".join(fields).strip() or fields[0].strip().startswith("#"):
                continue
            if number == 1 and fields[0].strip().lower() in {"date", "日期"}:
                continue
            records.append((number, {"date": fields[0], "kind": fields[1] if len(fields) > 1 else "",
                                     "name": fields[2] if len(fields) > 2 else ""}))
    kinds = {"rest": DayKind.REST, "休": DayKind.REST, "work": DayKind.WORK, "班": DayKind.WORK}
    seen: set[dt.date] = set()
    for number, record in records:
        raw_date = str(record.get("date", "")).strip()
        try:
            day = dt.date.fromisoformat(raw_date)
        except ValueError:
            errors.append(_("第%(n)d行：日期“%(d)s”无效，应为 YYYY-MM-DD。") % {"n": number, "d": raw_date})
            continue
        kind = kinds.get(str(record.get("kind", "")).strip().lower())
        if kind is None:
            errors.append(_("第%(n)d行：类型应为 rest/休 或 work/班。") % {"n": number})
            continue
        if day.year != year:
            errors.append(_("第%(n)d行：%(d)s 不属于 %(y)d 年。") % {"n": number, "d": day, "y": year})
            continue
        if day in seen:
            errors.append(_("第%(n)d行：日期 %(d)s 重复。") % {"n": number, "d": day})
            continue
        if kind == DayKind.WORK and day.weekday() < 5:
            errors.append(_("第%(n)d行：%(d)s 是周一至周五，本来就是工作日，不能登记为调休上班。") % {"n": number, "d": day})
            continue
        seen.add(day)
        rows.append(ImportRow(number, day, kind, str(record.get("name", "")).strip()[:50]))
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError(_("文件中没有任何日期。"))
    return rows


def _decode(content: bytes) -> str:
    # Excel on Chinese Windows saves CSV in GBK, so try UTF-8 first and GB18030 (a superset of GBK) next.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV。"))


@transaction.atomic
def import_year(*, actor: Any, year: int, content: bytes | str, note: str = "") -> CalendarYear:
    """Replace a year's national schedule with an imported one, all or nothing."""
    if not 1949 <= year <= 2200:
        raise ValidationError(_("年份 %(y)s 超出范围。") % {"y": year})
    rows = parse_schedule(content, year)
    CalendarDay.objects.filter(centre__isnull=True, date__year=year).delete()
    CalendarDay.objects.bulk_create([CalendarDay(date=r.date, kind=r.kind, name=r.name) for r in rows])
    calendar_year, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": YearSource.IMPORTED, "note": note[:200]}
    )
    record_event(
        actor=actor, action="calendar_imported", obj=calendar_year, summary=f"{year}: {len(rows)}",
        data={"days": len(rows)},
    )
    return calendar_year


@transaction.atomic
def set_day(*, actor: Any, date: dt.date, kind: str, name: str = "", centre: Any = None) -> CalendarDay:
    """Mark one date as a rest day or a make-up working day, nationally or for one centre."""
    day, _created = CalendarDay.objects.update_or_create(
        date=date, centre=centre, defaults={"kind": kind, "name": name}
    )
    day.full_clean()
    record_event(actor=actor, action="calendar_day_set", obj=day, summary=str(day))
    return day

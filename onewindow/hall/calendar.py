"""Which days a hall serves and takes bookings: working days from the calendar, plus weekend service days
(无休日) at centres that offer them, never on a statutory holiday."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q

from onewindow.org.models import ServiceCentre
from onewindow.workdays.calendar import get_calendar, statutory_holidays
from onewindow.workdays.choices import DayKind
from onewindow.workdays.models import CalendarDay

from .models import HallConfig, QueueCategory, parse_slot_times


def holidays_between(centre: ServiceCentre, start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """Rest days of the official schedule (national or this centre's) with their names; for years not yet
    imported, the statutory holidays fixed by law."""
    rows = CalendarDay.objects.filter(Q(centre__isnull=True) | Q(centre=centre), kind=DayKind.REST,
                                      date__gte=start, date__lte=end).values_list("date", "name")
    result = {day: name or "节假日" for day, name in rows}
    calendar = get_calendar(centre)
    for year in range(start.year, end.year + 1):
        if calendar.is_provisional(year):
            for day, name in statutory_holidays(year).items():
                if start <= day <= end:
                    result.setdefault(day, name)
    return result


def is_weekend_service_day(centre: ServiceCentre, day: dt.date, holidays: dict[dt.date, str] | None = None) -> bool:
    """A weekend day (not a make-up working day) on which a 无休日 centre opens: never a statutory holiday."""
    if not centre.weekend_service or day.weekday() < 5:
        return False
    if get_calendar(centre).is_workday(day):
        return False  # a make-up working day (调休上班) is an ordinary working day
    if holidays is None:
        holidays = holidays_between(centre, day, day)
    return day not in holidays


def category_serves_weekends(category: QueueCategory) -> bool:
    return category.items.filter(weekend_service=True, is_active=True).exists()


def bookable_days(category: QueueCategory, today: dt.date) -> list[dt.date]:
    """Days open for booking: from ONEWINDOW_HALL_BOOKING_MIN_DAYS_AHEAD days ahead to the
    ONEWINDOW_HALL_BOOKING_MAX_WORKING_DAYS-th working day; working days, plus weekend service days when
    the category has weekend items. Rest days and past days never."""
    centre = category.centre
    calendar = get_calendar(centre)
    first = today + dt.timedelta(days=max(settings.ONEWINDOW_HALL_BOOKING_MIN_DAYS_AHEAD, 0))
    last = calendar.add_working_days(today, max(settings.ONEWINDOW_HALL_BOOKING_MAX_WORKING_DAYS, 1)).date
    weekends = centre.weekend_service and category_serves_weekends(category)
    holidays = holidays_between(centre, first, last) if weekends else {}
    days = []
    day = first
    while day <= last:
        if calendar.is_workday(day) or (weekends and is_weekend_service_day(centre, day, holidays)):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def slot_times(centre: ServiceCentre, day: dt.date) -> list[tuple[dt.time, dt.time]]:
    """The appointment slots of a day: the centre's own hall settings, else the global settings."""
    config = HallConfig.objects.filter(centre=centre).first()
    weekend = not get_calendar(centre).is_workday(day)
    if weekend:
        text = (config.weekend_slot_times if config else "") or settings.ONEWINDOW_HALL_WEEKEND_SLOT_TIMES
    else:
        text = (config.slot_times if config else "") or settings.ONEWINDOW_HALL_SLOT_TIMES
    return parse_slot_times(text)


def upcoming_weekend_days(centre: ServiceCentre, today: dt.date, weeks: int = 4) -> list[tuple[dt.date, str]]:
    """The next weekend days with what happens on each: open (无休日), a holiday (name), or a working day."""
    end = today + dt.timedelta(days=7 * weeks)
    holidays = holidays_between(centre, today, end)
    calendar = get_calendar(centre)
    days = []
    day = today
    while day <= end:
        if day.weekday() >= 5:
            if calendar.is_workday(day):
                state = "workday"
            elif day in holidays:
                state = f"holiday:{holidays[day]}"
            else:
                state = "open" if centre.weekend_service else "closed"
            days.append((day, state))
        day += dt.timedelta(days=1)
    return days

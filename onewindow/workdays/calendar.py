"""Working-day arithmetic.

A year is a sorted array of working-day ordinals, so adding N working days or counting them
between two dates is a binary search, not a day-by-day loop. Years in the table use the official
schedule; any other year gets a provisional calendar (weekends + the 13 statutory holidays fixed by
law) and every result computed through it says so — nothing ever crashes on an unknown year.

Calendars are cached per process and per centre; a change to the table clears this process's cache
at once and other processes' within CACHE_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .choices import DayKind

CACHE_SECONDS = 60
MAX_DAYS = 100_000  # a guard against absurd inputs; ~400 years of working days


@dataclass(frozen=True)
class YearTable:
    year: int
    workdays: tuple[int, ...]  # ordinals, ascending
    provisional: bool


@dataclass(frozen=True)
class DueDate:
    date: dt.date
    provisional: bool  # True when any year the computation touched is not in the official table

    def __str__(self) -> str:
        return self.date.isoformat()


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The 13 rest days fixed by 全国年节及纪念日放假办法 (2025 revision), without the bridging days.

    元旦 1; 春节 除夕 + 正月初一至初三 4; 清明 1; 劳动节 2; 端午 1; 中秋 1; 国庆 3.
    """
    from lunar_python import Lunar, Solar

    def solar_of_lunar(month: int, day: int) -> dt.date:
        s = Lunar.fromYmd(year, month, day).getSolar()
        return dt.date(s.getYear(), s.getMonth(), s.getDay())

    days: dict[dt.date, str] = {dt.date(year, 1, 1): "元旦"}
    new_year = solar_of_lunar(1, 1)
    days[new_year - dt.timedelta(days=1)] = "春节"
    for offset in range(3):
        days[new_year + dt.timedelta(days=offset)] = "春节"
    qingming = Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"]
    days[dt.date(qingming.getYear(), qingming.getMonth(), qingming.getDay())] = "清明节"
    days[dt.date(year, 5, 1)] = "劳动节"
    days[dt.date(year, 5, 2)] = "劳动节"
    days[solar_of_lunar(5, 5)] = "端午节"
    days[solar_of_lunar(8, 15)] = "中秋节"
    for d in (1, 2, 3):
        days[dt.date(year, 10, d)] = "国庆节"
    # 除夕 of lunar year `year` can fall in the previous solar year in theory; keep only this year's days.
    return {d: n for d, n in days.items() if d.year == year}


class WorkCalendar:
    """The working-day calendar for one centre (or the national one when centre_id is None)."""

    def __init__(self, known_years: set[int], rest: set[dt.date], work: set[dt.date]):
        self.known_years = frozenset(known_years)
        self._rest = frozenset(rest)
        self._work = frozenset(work)
        self._tables: dict[int, YearTable] = {}
        self._lock = threading.Lock()

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_database(cls, centre_id: int | None = None) -> WorkCalendar:
        from .models import CalendarDay, CalendarYear

        known = set(CalendarYear.objects.values_list("year", flat=True))
        national: dict[dt.date, str] = dict(CalendarDay.objects.filter(centre__isnull=True).values_list("date", "kind"))
        if centre_id is not None:
            national.update(CalendarDay.objects.filter(centre_id=centre_id).values_list("date", "kind"))
        rest = {d for d, k in national.items() if k == DayKind.REST}
        work = {d for d, k in national.items() if k == DayKind.WORK}
        return cls(known, rest, work)

    # -- per-year tables ----------------------------------------------------------------------
    def year_table(self, year: int) -> YearTable:
        table = self._tables.get(year)
        if table is None:
            with self._lock:
                table = self._tables.get(year)
                if table is None:
                    table = self._build(year)
                    self._tables[year] = table
        return table

    def _build(self, year: int) -> YearTable:
        if not 1 <= year <= 9998:
            raise ValueError(f"year {year} is outside the supported range")
        provisional = year not in self.known_years
        extra_rest = set(statutory_holidays(year)) if provisional else set()
        start = dt.date(year, 1, 1).toordinal()
        end = dt.date(year, 12, 31).toordinal()
        days = []
        for ordinal in range(start, end + 1):
            day = dt.date.fromordinal(ordinal)
            if self._is_workday_raw(day, extra_rest):
                days.append(ordinal)
        return YearTable(year, tuple(days), provisional)

    def _is_workday_raw(self, day: dt.date, extra_rest: set[dt.date]) -> bool:
        if day in self._work:
            return True
        if day in self._rest or day in extra_rest:
            return False
        return day.weekday() < 5

    # -- queries ------------------------------------------------------------------------------
    def is_workday(self, day: dt.date) -> bool:
        table = self.year_table(day.year)
        ordinals = table.workdays
        i = bisect_right(ordinals, day.toordinal())
        return i > 0 and ordinals[i - 1] == day.toordinal()

    def is_provisional(self, year: int) -> bool:
        return year not in self.known_years

    def add_working_days(self, start: dt.date, n: int) -> DueDate:
        """The date n working days after `start`; `start` itself is never counted. n=0 gives `start`."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n > MAX_DAYS:
            raise ValueError(f"n must be at most {MAX_DAYS}")
        if n == 0:
            return DueDate(start, self.is_provisional(start.year))
        year = start.year
        table = self.year_table(year)
        provisional = table.provisional
        pos = bisect_right(table.workdays, start.toordinal())
        remaining = n
        while True:
            available = len(table.workdays) - pos
            if remaining <= available:
                return DueDate(dt.date.fromordinal(table.workdays[pos + remaining - 1]), provisional)
            remaining -= available
            year += 1
            table = self.year_table(year)
            provisional = provisional or table.provisional
            pos = 0

    def count_working_days(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start < d <= end (the first day is not counted, as the law says)."""
        if end <= start:
            return 0
        total = 0
        for year in range(start.year, end.year + 1):
            ordinals = self.year_table(year).workdays
            lo = bisect_right(ordinals, start.toordinal()) if year == start.year else 0
            hi = bisect_right(ordinals, end.toordinal()) if year == end.year else len(ordinals)
            total += hi - lo
        return total

    def working_days_between(
        self, start: dt.date, end: dt.date, pauses: Iterable[tuple[dt.date, dt.date | None]] = ()
    ) -> int:
        """Working days used between two dates, not counting the working days inside paused intervals.

        A pause (p0, p1) covers the working days d with p0 < d <= p1; an open pause (p1 None) runs to `end`.
        Overlapping pauses are merged so no day is subtracted twice.
        """
        used = self.count_working_days(start, end)
        for p0, p1 in merge_intervals(pauses, end):
            lo = max(p0, start)
            hi = min(p1, end)
            if hi > lo:
                used -= self.count_working_days(lo, hi)
        return used

    def due_date(
        self, start: dt.date, days: int, pauses: Iterable[tuple[dt.date, dt.date | None]] = (),
        as_of: dt.date | None = None,
    ) -> DueDate:
        """The due date of a limit of `days` working days from `start`, moved by the paused working days.

        It is the `days`-th working day after `start` outside every pause. A pause that begins on or
        after the due date does not move it: the time had already run out, and an overdue case must
        not become timely again by being paused. An open pause (p1 None) runs to `as_of`.
        """
        paused = 0
        due = self.add_working_days(start, days)
        for p0, p1 in merge_intervals(pauses, as_of or dt.date.max):
            lo = max(p0, start)
            if lo >= due.date:
                break  # merged pauses are sorted and disjoint: none of the rest can start earlier
            if p1 <= lo:
                continue
            if as_of is None and p1 == dt.date.max:
                raise ValueError("an open pause that began before the due date needs as_of")
            paused += self.count_working_days(lo, p1)
            due = self.add_working_days(start, days + paused)
        return due

    def provisional_years_between(self, start: dt.date, end: dt.date) -> list[int]:
        return [y for y in range(start.year, end.year + 1) if y not in self.known_years]


def merge_intervals(
    pauses: Iterable[tuple[dt.date, dt.date | None]], open_end: dt.date
) -> list[tuple[dt.date, dt.date]]:
    closed = sorted((p0, p1 if p1 is not None else open_end) for p0, p1 in pauses)
    merged: list[tuple[dt.date, dt.date]] = []
    for p0, p1 in closed:
        if merged and p0 <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], p1))
        else:
            merged.append((p0, p1))
    return merged


# -- process cache ----------------------------------------------------------------------------
_cache: dict[Any, tuple[float, WorkCalendar]] = {}
_cache_lock = threading.Lock()


def get_calendar(centre: Any = None) -> WorkCalendar:
    """The calendar for a centre (a ServiceCentre, its id, or None for the national calendar)."""
    from django.db import connection

    centre_id = getattr(centre, "pk", centre)
    if _uncommitted_change and connection.in_atomic_block:
        # The calendar changed in a transaction that has not committed: read it fresh and cache nothing,
        # so a rollback cannot leave other requests with the uncommitted calendar.
        return WorkCalendar.from_database(centre_id)
    now = time.monotonic()
    hit = _cache.get(centre_id)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    calendar = WorkCalendar.from_database(centre_id)
    with _cache_lock:
        _cache[centre_id] = (now, calendar)
    return calendar


_uncommitted_change = False


def invalidate_calendars(**kwargs: Any) -> None:
    """Called when a calendar row changes: clear now, and again once the change commits."""
    global _uncommitted_change
    from django.db import connection, transaction

    clear_calendar_cache()
    if connection.in_atomic_block:
        _uncommitted_change = True
        transaction.on_commit(clear_calendar_cache)


def clear_calendar_cache() -> None:
    global _uncommitted_change
    with _cache_lock:
        _cache.clear()
        _uncommitted_change = False


def add_working_days(start: dt.date, n: int, centre: Any = None) -> DueDate:
    return get_calendar(centre).add_working_days(start, n)


def working_days_between(
    start: dt.date, end: dt.date, pauses: Sequence[tuple[dt.date, dt.date | None]] = (), centre: Any = None
) -> int:
    return get_calendar(centre).working_days_between(start, end, pauses)


def is_workday(day: dt.date, centre: Any = None) -> bool:
    return get_calendar(centre).is_workday(day)

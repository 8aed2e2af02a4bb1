"""Properties of working-day arithmetic, over 2004–2030 so provisional years (2027+) are exercised.

The oracles below walk day by day with `is_workday`; the calendar itself uses binary search over
per-year tables, so the two are independent ways of reaching the same answer.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from onewindow.workdays.calendar import WorkCalendar

ONE_DAY = dt.timedelta(days=1)
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

dates = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2030, 12, 31))
limits = st.integers(min_value=0, max_value=400)


def closed_pauses(max_count: int = 3):
    """Up to `max_count` pauses (p0, p1) around a start date, given as day offsets (may overlap)."""
    return st.lists(
        st.tuples(st.integers(min_value=-30, max_value=500), st.integers(min_value=0, max_value=120)),
        max_size=max_count,
    )


def to_pauses(start: dt.date, offsets: list[tuple[int, int]]) -> list[tuple[dt.date, dt.date]]:
    return [(start + dt.timedelta(days=o), start + dt.timedelta(days=o + length)) for o, length in offsets]


def is_paused(day: dt.date, pauses: list[tuple[dt.date, dt.date]]) -> bool:
    return any(p0 < day <= p1 for p0, p1 in pauses)


def walk_count(cal: WorkCalendar, start: dt.date, end: dt.date, pauses=()) -> int:
    """Working days d with start < d <= end outside every pause, counted one day at a time."""
    total = 0
    day = start + ONE_DAY
    while day <= end:
        if cal.is_workday(day) and not is_paused(day, pauses):
            total += 1
        day += ONE_DAY
    return total


def walk_due(cal: WorkCalendar, start: dt.date, n: int, pauses=()) -> dt.date:
    """The n-th working day after start that is not inside a pause, found one day at a time."""
    day, left = start, n
    while left:
        day += ONE_DAY
        if cal.is_workday(day) and not is_paused(day, pauses):
            left -= 1
    return day


# -- adding and counting ---------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(start=dates, n=limits)
def test_it_counts_back_exactly_the_working_days_it_added(national_calendar, start, n):
    due = national_calendar.add_working_days(start, n).date

    assert national_calendar.working_days_between(start, due) == n


@PROPERTY_SETTINGS
@given(start=dates, n=st.integers(min_value=1, max_value=400))
def test_it_never_puts_a_due_date_on_a_rest_day(national_calendar, start, n):
    due = national_calendar.add_working_days(start, n).date

    assert national_calendar.is_workday(due)
    assert due > start


@PROPERTY_SETTINGS
@given(start=dates, n=limits, more=st.integers(min_value=1, max_value=60))
def test_it_makes_due_dates_strictly_later_as_the_limit_grows(national_calendar, start, n, more):
    assert national_calendar.add_working_days(start, n + more).date > national_calendar.add_working_days(start, n).date


@PROPERTY_SETTINGS
@given(start=dates, n=limits)
def test_it_agrees_with_a_day_by_day_walk(national_calendar, start, n):
    assert national_calendar.add_working_days(start, n).date == walk_due(national_calendar, start, n)


@PROPERTY_SETTINGS
@given(start=dates, length=st.integers(min_value=-10, max_value=800))
def test_it_counts_working_days_like_a_day_by_day_walk(national_calendar, start, length):
    end = start + dt.timedelta(days=length)

    assert national_calendar.count_working_days(start, end) == walk_count(national_calendar, start, end)


@PROPERTY_SETTINGS
@given(start=dates, n=limits)
def test_it_marks_a_result_provisional_exactly_when_it_touches_a_year_without_a_schedule(national_calendar, start, n):
    result = national_calendar.add_working_days(start, n)

    touched = range(start.year, result.date.year + 1)
    assert result.provisional == any(year not in national_calendar.known_years for year in touched)


# -- pauses ----------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(start=dates, length=st.integers(min_value=0, max_value=400), offsets=closed_pauses())
def test_it_leaves_out_exactly_the_working_days_inside_pauses(national_calendar, start, length, offsets):
    end = start + dt.timedelta(days=length)
    pauses = to_pauses(start, offsets)

    assert national_calendar.working_days_between(start, end, pauses) == walk_count(national_calendar, start, end, pauses)


@PROPERTY_SETTINGS
@given(start=dates, length=st.integers(min_value=0, max_value=400), offset=st.integers(-30, 400),
       pause_length=st.integers(0, 120))
def test_it_reduces_the_count_by_the_working_days_of_a_single_pause(
    national_calendar, start, length, offset, pause_length
):
    end = start + dt.timedelta(days=length)
    (p0, p1), = to_pauses(start, [(offset, pause_length)])
    inside = walk_count(national_calendar, max(p0, start), min(p1, end)) if min(p1, end) > max(p0, start) else 0

    assert national_calendar.working_days_between(start, end, [(p0, p1)]) == (
        national_calendar.working_days_between(start, end) - inside
    )


@PROPERTY_SETTINGS
@given(start=dates, n=st.integers(min_value=1, max_value=200), data=st.data())
def test_it_moves_the_due_date_by_exactly_the_working_days_paused_before_it(national_calendar, start, n, data):
    unpaused_due = national_calendar.add_working_days(start, n).date
    p0 = data.draw(st.dates(min_value=start, max_value=unpaused_due - ONE_DAY), label="p0")
    p1 = data.draw(st.dates(min_value=p0, max_value=p0 + dt.timedelta(days=120)), label="p1")
    paused = walk_count(national_calendar, p0, p1)

    due = national_calendar.due_date(start, n, [(p0, p1)])

    assert due.date == national_calendar.add_working_days(start, n + paused).date


@PROPERTY_SETTINGS
@given(start=dates, n=st.integers(min_value=0, max_value=200), offsets=closed_pauses())
def test_it_puts_the_due_date_on_the_nth_working_day_the_clock_ran(national_calendar, start, n, offsets):
    pauses = to_pauses(start, offsets)

    due = national_calendar.due_date(start, n, pauses).date

    assert due == walk_due(national_calendar, start, n, pauses)
    assert national_calendar.working_days_between(start, due, pauses) == n


# -- the seed ----------------------------------------------------------------------------------------


def test_it_matches_chinese_calendar_on_every_day_the_package_covers(national_calendar):
    first = min(chinese_calendar.holidays)
    last = max(chinese_calendar.holidays)
    day = dt.date(first.year, 1, 1)
    mismatches = []
    while day <= dt.date(last.year, 12, 31):
        if national_calendar.is_workday(day) != chinese_calendar.is_workday(day):
            mismatches.append(day)
        day += ONE_DAY

    assert mismatches == []
    assert {2004, 2026} <= national_calendar.known_years

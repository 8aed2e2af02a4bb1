"""Every 2026 holiday block and make-up working day, checked by hand against the State Council notice.

2026 rest: Jan 1–3, Feb 15–23, Apr 4–6, May 1–5, Jun 19–21, Sep 25–27, Oct 1–7;
make-up working days: Jan 4 (Sun), Feb 14 (Sat), Feb 28 (Sat), May 9 (Sat), Sep 20 (Sun), Oct 10 (Sat).
"""

from __future__ import annotations

import datetime as dt

import pytest

from onewindow.workdays import calendar as wd

D = dt.date.fromisoformat


def days(first: str, last: str) -> list[dt.date]:
    start, end = D(first), D(last)
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


REST_2026 = [
    *days("2026-01-01", "2026-01-03"),
    *days("2026-02-15", "2026-02-23"),
    *days("2026-04-04", "2026-04-06"),
    *days("2026-05-01", "2026-05-05"),
    *days("2026-06-19", "2026-06-21"),
    *days("2026-09-25", "2026-09-27"),
    *days("2026-10-01", "2026-10-07"),
]
MAKE_UP_2026 = [D(s) for s in ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10")]


@pytest.mark.parametrize("day", REST_2026, ids=str)
def test_it_rests_on_every_2026_holiday(national_calendar, day):
    assert not national_calendar.is_workday(day)


@pytest.mark.parametrize("day", MAKE_UP_2026, ids=str)
def test_it_works_on_every_2026_make_up_day_although_it_is_a_weekend(national_calendar, day):
    assert day.weekday() >= 5
    assert national_calendar.is_workday(day)


def test_it_treats_every_other_2026_day_by_the_monday_to_friday_rule(national_calendar):
    special = set(REST_2026) | set(MAKE_UP_2026)
    wrong = [d for d in days("2026-01-01", "2026-12-31")
             if d not in special and national_calendar.is_workday(d) != (d.weekday() < 5)]

    assert wrong == []


def test_it_has_248_working_days_in_2026(national_calendar):
    # 261 weekdays − 19 weekday holidays + 6 make-up days, counted by hand from the notice.
    assert national_calendar.count_working_days(D("2025-12-31"), D("2026-12-31")) == 248


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # 元旦: Thu 1 – Sat 3 off, Sun 4 worked.
        ("2025-12-31", 1, "2026-01-04"),
        ("2025-12-31", 2, "2026-01-05"),
        # 春节: Sat 14 worked, Sun 15 – Mon 23 off, Sat 28 worked.
        ("2026-02-13", 1, "2026-02-14"),
        ("2026-02-14", 1, "2026-02-24"),
        ("2026-02-13", 3, "2026-02-25"),
        ("2026-02-27", 1, "2026-02-28"),
        ("2026-02-28", 1, "2026-03-02"),
        # 清明: Sat 4 – Mon 6 off.
        ("2026-04-03", 1, "2026-04-07"),
        # 劳动节: Fri 1 – Tue 5 off, Sat 9 worked.
        ("2026-04-30", 1, "2026-05-06"),
        ("2026-05-08", 1, "2026-05-09"),
        ("2026-05-09", 1, "2026-05-11"),
        # 端午: Fri 19 – Sun 21 off.
        ("2026-06-18", 1, "2026-06-22"),
        # 中秋: Sun 20 worked, Fri 25 – Sun 27 off.
        ("2026-09-18", 1, "2026-09-20"),
        ("2026-09-24", 1, "2026-09-28"),
        # 国庆: Thu 1 – Wed 7 off, Sat 10 worked.
        ("2026-09-30", 1, "2026-10-08"),
        ("2026-09-30", 5, "2026-10-13"),
        ("2026-10-09", 1, "2026-10-10"),
        ("2026-10-10", 1, "2026-10-12"),
        # Starting on a holiday: the first counted day is the next working day.
        ("2026-10-03", 1, "2026-10-08"),
        ("2026-02-18", 2, "2026-02-25"),
    ],
)
def test_it_carries_a_deadline_across_each_2026_holiday(national_calendar, start, n, due):
    result = national_calendar.add_working_days(D(start), n)

    assert result.date == D(due)
    assert result.provisional is False


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2026-09-30", "2026-10-12", 4),  # Oct 8, 9, 10 (Sat, worked), 12
        ("2026-02-13", "2026-02-28", 6),  # Feb 14, 24, 25, 26, 27, 28
        ("2026-10-01", "2026-10-07", 0),
        ("2026-10-08", "2026-10-08", 0),  # the first day is never counted
        ("2026-10-12", "2026-10-08", 0),  # an end before the start counts nothing
    ],
)
def test_it_counts_working_days_between_two_2026_dates(national_calendar, start, end, count):
    assert national_calendar.working_days_between(D(start), D(end)) == count


def test_it_gives_the_start_itself_for_a_zero_day_limit(national_calendar):
    assert national_calendar.add_working_days(D("2026-10-03"), 0).date == D("2026-10-03")


# -- pauses, by hand ---------------------------------------------------------------------------------


def test_it_moves_a_due_date_past_the_national_day_by_the_paused_working_days(national_calendar):
    # 20 days from Mon 2026-09-07: Sep 8–11 (4), 14–18 (5), 20 (Sun, worked), 21–24 (4), 28–30 (3) = 17,
    # then Oct 8, 9, 10 → due Sat 2026-10-10. A pause from Sep 14 to Sep 18 stops Sep 15–18 (4 days).
    assert national_calendar.due_date(D("2026-09-07"), 20).date == D("2026-10-10")

    due = national_calendar.due_date(D("2026-09-07"), 20, [(D("2026-09-14"), D("2026-09-18"))])

    assert due.date == D("2026-10-15")  # Oct 12, 13, 14, 15


def test_it_does_not_move_a_due_date_for_a_pause_that_began_after_it(national_calendar):
    # Due 2026-10-08; a correction requested on 2026-10-09 cannot make the overdue case timely again.
    due = national_calendar.due_date(D("2026-09-30"), 1, [(D("2026-10-09"), D("2026-10-20"))])

    assert due.date == D("2026-10-08")


def test_it_runs_an_open_pause_to_the_as_of_date(national_calendar):
    start, pause_from, as_of = D("2026-09-07"), D("2026-09-14"), D("2026-09-18")

    open_ended = national_calendar.due_date(start, 20, [(pause_from, None)], as_of=as_of)

    assert open_ended == national_calendar.due_date(start, 20, [(pause_from, as_of)])
    assert open_ended.date == D("2026-10-15")


def test_it_refuses_an_open_pause_before_the_due_date_without_an_as_of_date(national_calendar):
    with pytest.raises(ValueError, match="as_of"):
        national_calendar.due_date(D("2026-09-07"), 20, [(D("2026-09-14"), None)])


def test_it_ignores_an_open_pause_that_began_after_the_due_date(national_calendar):
    due = national_calendar.due_date(D("2026-09-30"), 1, [(D("2026-10-09"), None)])

    assert due.date == D("2026-10-08")


def test_it_does_not_subtract_overlapping_pauses_twice(national_calendar):
    # Oct 10 (Sat, worked), 12–16, 19–23: 11 working days. Pauses (Mon 12, Wed 14] and (Tue 13, Fri 16]
    # together stop Oct 13–16: four working days, not six.
    pauses = [(D("2026-10-12"), D("2026-10-14")), (D("2026-10-13"), D("2026-10-16"))]

    assert national_calendar.working_days_between(D("2026-10-09"), D("2026-10-23")) == 11
    assert national_calendar.working_days_between(D("2026-10-09"), D("2026-10-23"), pauses) == 11 - 4


# -- the module-level helpers the rest of the product calls -------------------------------------------


@pytest.mark.django_db
def test_its_module_helpers_read_the_national_calendar_from_the_database():
    assert wd.add_working_days(D("2026-09-30"), 1).date == D("2026-10-08")
    assert wd.is_workday(D("2026-10-10")) is True
    assert wd.working_days_between(D("2026-09-30"), D("2026-10-12")) == 4

"""Years without an official schedule: weekends plus the 13 statutory days, flagged provisional, never a crash.

2027 by the lunar calendar: 除夕 Fri Feb 5, 春节 Feb 6–8; 清明 Mon Apr 5; 端午 Wed Jun 9; 中秋 Wed Sep 15.
"""

from __future__ import annotations

import datetime as dt

import pytest

from onewindow.workdays.calendar import MAX_DAYS, WorkCalendar, statutory_holidays

D = dt.date.fromisoformat

STATUTORY_2027 = {
    D("2027-01-01"): "元旦",
    D("2027-02-05"): "春节", D("2027-02-06"): "春节", D("2027-02-07"): "春节", D("2027-02-08"): "春节",
    D("2027-04-05"): "清明节",
    D("2027-05-01"): "劳动节", D("2027-05-02"): "劳动节",
    D("2027-06-09"): "端午节",
    D("2027-09-15"): "中秋节",
    D("2027-10-01"): "国庆节", D("2027-10-02"): "国庆节", D("2027-10-03"): "国庆节",
}


def test_it_has_the_official_schedule_up_to_2026_and_none_after(calendar_to_2026):
    assert set(range(2004, 2027)) <= calendar_to_2026.known_years
    assert calendar_to_2026.is_provisional(2027)


def test_it_knows_the_13_statutory_days_of_2027():
    assert statutory_holidays(2027) == STATUTORY_2027


@pytest.mark.parametrize("day", sorted(STATUTORY_2027), ids=str)
def test_it_rests_on_every_2027_statutory_day(calendar_to_2026, day):
    assert not calendar_to_2026.is_workday(day)


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        ("2026-12-30", 3, "2027-01-05"),  # Dec 31, (元旦 Fri + weekend), Jan 4, Jan 5
        ("2027-02-04", 1, "2027-02-09"),  # 除夕 Fri 5, weekend, 初三 Mon 8
        ("2027-04-02", 1, "2027-04-06"),  # weekend, 清明 Mon 5
        ("2027-06-08", 1, "2027-06-10"),  # 端午 Wed 9
        ("2027-09-14", 1, "2027-09-16"),  # 中秋 Wed 15
        ("2027-09-30", 1, "2027-10-04"),  # 国庆 Fri 1 + weekend
    ],
)
def test_it_skips_the_2027_statutory_days_and_says_the_result_is_provisional(calendar_to_2026, start, n, due):
    result = calendar_to_2026.add_working_days(D(start), n)

    assert result.date == D(due)
    assert result.provisional is True


def test_it_keeps_a_result_official_when_the_deadline_stays_inside_2026(calendar_to_2026):
    result = calendar_to_2026.add_working_days(D("2026-12-30"), 1)

    assert result.date == D("2026-12-31")
    assert result.provisional is False


def test_it_cannot_know_2027_make_up_days_so_it_works_monday_to_friday_only(calendar_to_2026):
    saturdays = [D("2027-01-02") + dt.timedelta(weeks=w) for w in range(52)]

    assert not any(calendar_to_2026.is_workday(d) for d in saturdays)


@pytest.mark.parametrize("year", [2027, 2029, 2030, 2032, 2035, 2050, 2100])
def test_it_counts_13_statutory_days_in_a_year_where_no_two_fall_together(year):
    days = statutory_holidays(year)

    assert len(days) == 13
    assert sorted(days.values()).count("春节") == 4
    assert all(d.year == year for d in days)


def test_it_puts_new_year_s_eve_in_the_same_solar_year_for_two_centuries():
    # 春节 falls between Jan 21 and Feb 20, so 除夕 is never in the previous solar year.
    for year in range(1901, 2101):
        spring = sorted(d for d, name in statutory_holidays(year).items() if name == "春节")
        assert len(spring) == 4, year
        assert spring[0] >= dt.date(year, 1, 20), year
        assert spring[-1] - spring[0] == dt.timedelta(days=3), year


def test_it_handles_a_very_far_year(calendar_to_2026):
    result = calendar_to_2026.add_working_days(D("2100-12-30"), 5)

    assert result.provisional is True
    assert result.date.year == 2101
    assert calendar_to_2026.is_workday(result.date)
    assert not calendar_to_2026.is_workday(D("2100-01-01"))
    assert calendar_to_2026.working_days_between(D("2100-12-30"), result.date) == 5


def test_it_crosses_many_provisional_years_without_crashing(calendar_to_2026):
    result = calendar_to_2026.add_working_days(D("2026-06-01"), 2500)  # about ten years

    assert result.provisional is True
    assert calendar_to_2026.working_days_between(D("2026-06-01"), result.date) == 2500


def test_it_rejects_a_negative_number_of_days(calendar_to_2026):
    with pytest.raises(ValueError, match="negative"):
        calendar_to_2026.add_working_days(D("2026-09-30"), -1)


def test_it_rejects_an_absurd_number_of_days(calendar_to_2026):
    with pytest.raises(ValueError, match="at most"):
        calendar_to_2026.add_working_days(D("2026-09-30"), MAX_DAYS + 1)


def test_it_refuses_years_outside_the_supported_range_with_a_value_error():
    with pytest.raises(ValueError, match="outside the supported range"):
        WorkCalendar(set(), set(), set()).add_working_days(D("9999-12-30"), 1)

"""Due-date computations per second, against a naive day-by-day loop over chinese_calendar."""

from __future__ import annotations

import datetime as dt
import random
import sys

from bench.common import print_table, rate, setup_django, write_results


def naive_due(start: dt.date, n: int) -> dt.date:
    import chinese_calendar

    day = start
    while n:
        day += dt.timedelta(days=1)
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


def main(quick: bool = False) -> list[dict[str, object]]:
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        from onewindow.workdays.calendar import WorkCalendar

        calendar = WorkCalendar.from_database()
        rng = random.Random(1)
        cases = [(dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 6 * 365 - 100)), rng.randrange(1, 60))
                 for _ in range(2000)]
        # Same answers first: the benchmark is only meaningful if both agree.
        for start, n in cases[:200]:
            assert calendar.add_working_days(start, n).date == naive_due(start, n), (start, n)
        seconds = 0.3 if quick else 1.5
        it = iter(cases * 1000)
        ours = rate(lambda: calendar.add_working_days(*next(it)), min_seconds=seconds)
        it2 = iter(cases * 1000)
        naive = rate(lambda: naive_due(*next(it2)), min_seconds=seconds)
        rows = [
            {"measure": "due date (binary search)", "per_second": ours, "baseline": "naive chinese_calendar loop",
             "baseline_per_second": naive, "ratio": ours / naive},
        ]
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)
    print_table("calendar: due-date computations", rows)
    write_results("calendar", rows)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

"""Leaders' dashboard over a simulated county-year: the dashboard's reads (sums over the daily counters) per
second, against a full recount of the same figures from the source tables (SQL aggregates over the cases,
ratings, handoffs and data calls). Quick mode uses a smaller county-year.

The data: a county of twenty centres and forty items, and a year of cases, event history and ratings written by
the bulk path of `onewindow simulate` (stats/bulk.py: the domain rules in memory, bulk inserts). The counters
are then built by `stats.services.rebuild`; the load and rebuild times are reported as well.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

from bench.common import print_table, rate, setup_django, write_results

YEAR = 2025


def build(rate_per_day: float) -> dict[str, float]:
    from onewindow.org.choices import CentreLevel, Role
    from onewindow.stats import services
    from onewindow.stats.bulk import analyse, bulk_simulate
    from onewindow.stats.testing import StatsWorld
    from onewindow.testing import make_centre, make_item, make_user

    world = StatsWorld()
    townships = [make_centre(world.county, f"t{n}", CentreLevel.TOWNSHIP) for n in range(18)]
    for n in range(37):
        make_item(world.bureau, basic_code=f"0009{n:04d}0000", name=f"事项{n}", promised_days=n % 7, materials=1,
                  county_wide=n % 3 == 0)
    for n, centre in enumerate([world.county, world.township, *townships]):
        make_user(f"bench_clerk{n}", Role.CLERK, centre=centre)
    start = time.perf_counter()
    bulk_simulate(days=365, rate=rate_per_day, seed=1, end=dt.date(YEAR, 12, 31), batch_days=14)
    load = time.perf_counter() - start
    analyse()
    start = time.perf_counter()
    services.rebuild()
    return {"load_seconds": load, "rebuild_seconds": time.perf_counter() - start}


COUNTY_YEAR_CASES = 1_400_000


def county_year_page(cases: int, quick: bool) -> dict[str, object]:
    """The year page's reads (headline, breakdown by centre, trend by month, and a centre's breakdown by item)
    over counters at county-year density.

    Generating 1.4 M cases takes most of an hour (docs/operations.md), so the counters built from the simulated
    year are cloned under other item ids until they stand for about 1.4 M cases: the dashboard reads only the
    counters, and a county with more cases has more item × centre × channel × staff combinations, which is what
    the clones add. The page time is the median of repeated calls, in milliseconds; the target is < 200 ms.
    """
    import statistics

    from django.db import connection, transaction
    from django.db.models import Sum

    from onewindow.stats.models import CentreMonthCounter, DailyCounter, MonthlyCounter
    from onewindow.stats.selectors import Filters, Scope, figures, trend

    copies = max(1, -(-COUNTY_YEAR_CASES // max(cases, 1)) - 1)
    metrics = [f.column for f in DailyCounter._meta.concrete_fields if f.get_internal_type() == "IntegerField"]
    with transaction.atomic(), connection.cursor() as cursor:
        for table, key in [(DailyCounter._meta.db_table, ["day", "centre_id", "department_id", "channel", "staff_id"]),
                           (MonthlyCounter._meta.db_table, ["month", "centre_id", "department_id", "channel"])]:
            cols = ", ".join([*key, *metrics])
            for k in range(1, copies + 1):
                # Only our own table and column names are interpolated.
                cursor.execute(f"INSERT INTO {table} (item_id, {cols}) "  # noqa: S608
                               f"SELECT item_id + {k * 1_000_000}, {cols} FROM {table} WHERE item_id < 1000000")
        # The centre × department roll-up does not grow with cases but with departments: clone it as forty
        # departments would fill it (the simulated county has a handful).
        table = CentreMonthCounter._meta.db_table
        cols = ", ".join(["month", "centre_id", *metrics])
        for k in range(1, 40):
            cursor.execute(f"INSERT INTO {table} (department_id, {cols}) "  # noqa: S608
                           f"SELECT department_id + {k * 1_000_000}, {cols} FROM {table} WHERE department_id < 1000000")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    scope = Scope(everything=True)
    start, end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    busiest = DailyCounter.objects.values("centre_id").annotate(n=Sum("received")).order_by("-n")[0]["centre_id"]
    drill = Filters(centre_ids=frozenset({busiest}))

    reads = {
        "headline": lambda: figures(start=start, end=end, by=None, scope=scope),
        "by_centre": lambda: figures(start=start, end=end, by="centre", scope=scope),
        "trend": lambda: trend(period="year", start=start, end=end, scope=scope, filters=None),
        "centre_by_item": lambda: figures(start=start, end=end, by="item", scope=scope, filters=drill),
    }
    for read in reads.values():  # warm the caches, as a second visitor would find them
        read()
    samples: dict[str, list[float]] = {name: [] for name in reads}
    totals = []
    for _ in range(5 if quick else 15):
        page_start = time.perf_counter()
        for name, read in reads.items():
            t0 = time.perf_counter()
            read()
            samples[name].append((time.perf_counter() - t0) * 1000)
        totals.append((time.perf_counter() - page_start) * 1000)
    parts = {f"{name}_ms": round(statistics.median(values), 1) for name, values in samples.items()}
    return {
        "measure": "year page reads over a county-year of counters", "cases": cases * (copies + 1),
        "daily_rows": DailyCounter.objects.count(), "monthly_rows": MonthlyCounter.objects.count(),
        "centre_month_rows": CentreMonthCounter.objects.count(),
        "p50_ms": round(statistics.median(totals), 1), "max_ms": round(max(totals), 1), "target_ms": 200, **parts,
        # The runner's summary columns:
        "value": round(statistics.median(totals), 1), "unit": "p50 ms", "target": "< 200 ms",
        "met": "yes" if statistics.median(totals) < 200 else "NO",
    }


def main(quick: bool = False) -> list[dict[str, object]]:
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        from onewindow.cases.models import Case
        from onewindow.stats.choices import Dimension
        from onewindow.stats.models import DailyCounter
        from onewindow.stats.recount import recount
        from onewindow.stats.selectors import Scope, figures

        # Arrivals per working day: 70 ≈ 20 k cases a year (quick); 700 ≈ 200 k; a real county-year (1.4 M) is
        # about 4 950 (set STATS_BENCH_RATE on PostgreSQL for that).
        rate_per_day = float(os.environ.get("STATS_BENCH_RATE", 70 if quick else 700))
        timings = build(rate_per_day)
        scope = Scope(everything=True)
        start, end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
        queries = [None, Dimension.CENTRE, Dimension.ITEM, "day"]
        # Same answers first: the benchmark is only meaningful if both agree.
        for by in queries:
            assert figures(start=start, end=end, by=by, scope=scope) == recount(start=start, end=end, by=by,
                                                                                 scope=scope), by

        def dashboard() -> None:
            for by in queries:
                figures(start=start, end=end, by=by, scope=scope)

        def full_recount() -> None:
            for by in queries:
                recount(start=start, end=end, by=by, scope=scope)

        seconds = 0.5 if quick else 2.0
        ours = rate(dashboard, min_seconds=seconds, min_calls=3)
        baseline = rate(full_recount, min_seconds=seconds, min_calls=3)
        cases = Case.objects.count()
        rows = [{
            "measure": "year dashboard (total, by centre, by item, by day)", "cases": cases,
            "daily_rows": DailyCounter.objects.count(), "per_second": ours, "baseline": "full recount from sources",
            "baseline_per_second": baseline, "ratio": ours / baseline,
            "load_seconds": round(timings["load_seconds"], 1), "rebuild_seconds": round(timings["rebuild_seconds"], 1),
        }]
        rows.append(county_year_page(cases, quick))
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)
    print_table("stats: leaders' dashboard vs full recount", rows[:1])
    print_table("stats: the year page over a county-year of counters (target < 200 ms)", rows[1:])
    write_results("stats", rows)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

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
        rows = [{
            "measure": "year dashboard (total, by centre, by item, by day)", "cases": Case.objects.count(),
            "daily_rows": DailyCounter.objects.count(), "per_second": ours, "baseline": "full recount from sources",
            "baseline_per_second": baseline, "ratio": ours / baseline,
            "load_seconds": round(timings["load_seconds"], 1), "rebuild_seconds": round(timings["rebuild_seconds"], 1),
        }]
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)
    print_table("stats: leaders' dashboard vs full recount", rows)
    write_results("stats", rows)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

"""Leaders' dashboard over a simulated county-year: the dashboard's reads (sums over the daily counters) per
second, against a full recount of the same figures from the source tables (SQL aggregates over the cases,
ratings, handoffs and data calls). Quick mode uses a smaller county-year.

The data: a small county whose cases are made through the real services (stats.testing.random_activity),
then cloned with bulk_create across the year, twenty centres, many items and clerks to reach the volume
(the benchmark needs volume fast; `onewindow simulate` is the path through the services). The counters are
then built by `stats.services.rebuild`, whose time is reported as well.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import sys
import time

from bench.common import print_table, rate, setup_django, write_results

YEAR = 2025


def build(cases: int) -> dict[str, float]:
    from django.utils import timezone

    from onewindow.cases.models import Case
    from onewindow.org.choices import CentreLevel, Role
    from onewindow.stats.testing import StatsWorld, aware, random_activity
    from onewindow.testing import make_centre, make_item, make_user

    world = StatsWorld()
    random_activity(world, random.Random(1), 400, aware(dt.date(YEAR, 1, 6), 8))
    centres = [world.county, world.township] + [
        make_centre(world.county, f"t{n}", CentreLevel.TOWNSHIP) for n in range(18)]
    items = [world.food, world.unsupervised, world.instant] + [
        make_item(world.bureau, basic_code=f"0009{n:04d}0000", name=f"事项{n}", promised_days=n % 7, materials=1,
                  publish=True) for n in range(37)]
    clerks = [make_user(f"bench_clerk{n}", Role.CLERK, centre=centres[n % len(centres)]) for n in range(60)]
    templates = list(Case.objects.all())
    rng = random.Random(2)
    batch: list[Case] = []
    last = timezone.make_aware(dt.datetime(YEAR, 12, 31, 20))  # noqa: DTZ001 (made aware here)
    start = time.perf_counter()
    for n in range(cases):
        t = rng.choice(templates)
        shift = dt.timedelta(days=rng.randrange(0, 360))
        clone = Case(**{f.attname: getattr(t, f.attname) for f in Case._meta.concrete_fields if f.name != "id"})
        clone.number = f"B{n:012d}"
        clone.tracking_code = secrets.token_urlsafe(12)
        clone.idempotency_key = None
        clone.item_id = rng.choice(items).pk
        clone.centre_id = rng.choice(centres).pk
        clone.clerk_id = rng.choice(clerks).pk
        for name in ("received_at", "accepted_at", "completed_at", "delivered_at"):
            value = getattr(clone, name)
            if value is not None:
                setattr(clone, name, min(value + shift, last))
        if clone.due_date:
            clone.due_date = clone.due_date + shift
        batch.append(clone)
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)
    load = time.perf_counter() - start
    from onewindow.stats import services

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

        n = 20_000 if quick else 200_000
        timings = build(n)
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
            "rebuild_seconds": round(timings["rebuild_seconds"], 1),
        }]
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)
    print_table("stats: leaders' dashboard vs full recount", rows)
    write_results("stats", rows)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

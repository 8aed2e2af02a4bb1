"""The dashboard's figures (sums of the incrementally kept daily counters) equal a full recount from the source
tables, after random operations through the real services, for every period and slice."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from onewindow.stats import services
from onewindow.stats.choices import Dimension, Period
from onewindow.stats.models import DailyCounter, StatBacklog
from onewindow.stats.recount import recount
from onewindow.stats.selectors import Filters, Scope, figures, period_range, scope_for
from onewindow.stats.testing import StatsWorld, aware, random_activity

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 2)  # a Monday


def _compare(scope: Scope, filters: Filters | None = None) -> int:
    checked = 0
    for period, on in [(Period.YEAR, START), (Period.MONTH, START), (Period.WEEK, START + dt.timedelta(days=7)),
                       (Period.DAY, START + dt.timedelta(days=3))]:
        start, end = period_range(period, on)
        for by in [None, "day", *Dimension.values]:
            dashboard = figures(start=start, end=end, by=by, scope=scope, filters=filters)
            reference = recount(start=start, end=end, by=by, scope=scope, filters=filters)
            assert dashboard == reference, (period, by)
            checked += 1
        if period in (Period.YEAR, Period.MONTH):
            # The monthly roll-up (what a month or year view reads) against the recount's days summed by month.
            by_month: dict[str, dict[str, int]] = {}
            for day, totals in recount(start=start, end=end, by="day", scope=scope, filters=filters).items():
                bucket = by_month.setdefault(day[:7], dict.fromkeys(totals, 0))
                for metric, n in totals.items():
                    bucket[metric] += n
            monthly = figures(start=start, end=end, by="month", scope=scope, filters=filters)
            assert monthly == {k: v for k, v in by_month.items() if any(v.values())}, period
            checked += 1
    return checked


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_random_operations_then_dashboard_equals_full_recount(seed: int) -> None:
    world = StatsWorld()
    rng = random.Random(seed)
    done = random_activity(world, rng, 150, aware(START, 8))
    assert done.get("receive", 0) > 10
    services.flush()
    assert not StatBacklog.objects.exists()
    everything = figures(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), by=None, scope=Scope(everything=True))
    totals = everything[None]
    # The world really produced the figures the comparison is about.
    for metric in ["received", "accepted", "completed", "instant", "on_time", "ems", "weekend", "ratings",
                   "handoffs"]:
        assert totals[metric] > 0, metric
    _compare(Scope(everything=True))
    _compare(scope_for(world.town_leader()))
    _compare(Scope(everything=True), Filters(centre_ids=frozenset({world.township.pk})))
    _compare(Scope(everything=True), Filters(item_id=world.food.pk))


def test_rebuild_gives_the_same_counters_as_the_increments() -> None:
    world = StatsWorld()
    random_activity(world, random.Random(7), 80, aware(START, 8))
    services.flush()
    before = sorted(DailyCounter.objects.exclude(**{m: 0 for m in ["received"]}).values_list(
        "day", "centre_id", "item_id", "channel", "staff_id", "received", "completed", "at_most_once"))
    counts = services.rebuild()
    assert counts["case"] > 0
    after = sorted(DailyCounter.objects.exclude(received=0).values_list(
        "day", "centre_id", "item_id", "channel", "staff_id", "received", "completed", "at_most_once"))
    assert before == after
    _compare(Scope(everything=True))


def test_a_visit_after_completion_moves_the_at_most_once_count_of_the_completion_day() -> None:
    from onewindow.cases import services as cases
    from onewindow.core import clock

    world = StatsWorld()
    with clock.frozen(aware(START)):
        case = world.decided()
    services.flush()
    day = {"start": START, "end": START, "by": None, "scope": Scope(everything=True)}
    assert figures(**day)[None]["at_most_once"] == 1
    with clock.frozen(aware(START + dt.timedelta(days=2))):
        cases.record_visit(actor=world.user("clerk"), case=case)
    services.flush()
    assert figures(**day)[None]["at_most_once"] == 0
    assert figures(**day) == recount(**day)


def test_the_bulk_path_then_rebuild_then_a_real_step_still_equals_a_full_recount() -> None:
    from onewindow.cases import services as cases
    from onewindow.cases.choices import Status
    from onewindow.cases.models import Case
    from onewindow.core import clock
    from onewindow.stats.bulk import bulk_simulate

    world = StatsWorld()
    end = START + dt.timedelta(days=40)
    result = bulk_simulate(days=60, rate=30, seed=3, end=end)
    assert result.cases > 500 and result.ratings > 0
    services.rebuild()
    scope = Scope(everything=True)
    year = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 12, 31), "scope": scope}
    totals = figures(by=None, **year)[None]
    assert totals["completed"] > 0 and totals["ems"] > 0 and totals["instant"] > 0 and totals["bad"] > 0
    assert 0 < totals["on_time"] < totals["timed"]  # a few were late
    _compare(scope)
    # Bulk-written cases go on through the real services, and the counters follow them.
    open_case = Case.objects.filter(status=Status.ACCEPTED).first()
    assert open_case is not None
    with clock.frozen(aware(end + dt.timedelta(days=1))):
        reviewed = cases.start_review(actor=world.user("approver"), case=open_case)
    with clock.frozen(aware(end + dt.timedelta(days=1), 15)):
        cases.decide_case(actor=world.user("approver"), case=reviewed, approve=True, opinion="准予")
    services.flush()
    for by in [None, "day", *Dimension.values]:
        assert figures(by=by, **year) == recount(by=by, **year)

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

"""`onewindow simulate` through the real services and `onewindow stats rebuild`/`flush`: the counters they
leave equal a full recount; bad arguments are refused with a message."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from onewindow.core import clock
from onewindow.stats.choices import Dimension
from onewindow.stats.models import DailyCounter, StatBacklog
from onewindow.stats.recount import recount
from onewindow.stats.selectors import Scope, figures
from onewindow.stats.testing import StatsWorld

pytestmark = pytest.mark.django_db


def test_simulate_through_the_services_then_the_dashboard_equals_a_full_recount() -> None:
    StatsWorld()
    out = io.StringIO()
    call_command("simulate", days=6, rate=6, seed=4, stdout=out)
    assert "模拟完成" in out.getvalue()
    assert not StatBacklog.objects.exists()
    today = clock.today()
    window = {"start": today - dt.timedelta(days=10), "end": today, "scope": Scope(everything=True)}
    totals = figures(by=None, **window)[None]
    assert totals["received"] >= 10 and totals["ratings"] > 0
    for by in [None, "day", *Dimension.values]:
        assert figures(by=by, **window) == recount(by=by, **window), by


def test_rebuild_and_flush_commands() -> None:
    StatsWorld()
    call_command("simulate", days=3, rate=4, seed=2, stdout=io.StringIO())
    rows = DailyCounter.objects.count()
    out = io.StringIO()
    call_command("stats", "rebuild", stdout=out)
    assert "统计已重算" in out.getvalue()
    assert DailyCounter.objects.count() <= rows  # a rebuild leaves no rows of zeros behind
    call_command("stats", "flush", stdout=out)
    assert "已更新 0 个对象" in out.getvalue()


def test_simulate_refuses_bad_arguments_and_an_empty_county() -> None:
    with pytest.raises(CommandError, match="--days"):
        call_command("simulate", days=0, rate=5, stdout=io.StringIO())
    with pytest.raises(CommandError, match="onewindow demo"):
        call_command("simulate", days=2, rate=5, stdout=io.StringIO())


def test_a_department_leader_reads_only_their_department() -> None:
    from onewindow.org.choices import Role
    from onewindow.stats.selectors import scope_for
    from onewindow.testing import make_user

    world = StatsWorld()
    scope = scope_for(make_user("market_leader", Role.LEADER, department=world.market))
    assert not scope.everything and scope.department_ids == frozenset({world.market.pk})
    assert scope_for(world.user("clerk")).empty
    assert scope_for(world.user("admin")).everything

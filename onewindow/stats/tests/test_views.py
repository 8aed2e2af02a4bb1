"""Dashboard, export and report: who may see what, drill-down links, bad input, and a query-count guard."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onewindow.org.choices import Role
from onewindow.stats import services
from onewindow.stats.testing import StatsWorld, aware, random_activity
from onewindow.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 2)


@pytest.fixture
def world() -> StatsWorld:
    w = StatsWorld()
    random_activity(w, random.Random(3), 60, aware(START, 8))
    services.flush()
    return w


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def _get(client: Client, path: str = "/staff/stats/", **params: str):  # type: ignore[no-untyped-def]
    return client.get(path, {"period": "year", "on": START.isoformat(), **params})


def test_the_county_leader_sees_every_centre_and_drills_down_to_items(world: StatsWorld) -> None:
    leader = make_user("county_leader", Role.LEADER)
    response = _get(_client(leader), by="centre")
    assert response.status_code == 200
    html = response.content.decode()
    assert world.county.name in html and world.township.name in html
    assert f"centre={world.county.code}" in html  # the drill-down link
    items = _get(_client(leader), by="item", centre=world.township.code)
    assert items.status_code == 200
    assert "食品经营许可" in items.content.decode()


def test_a_township_leader_sees_only_their_subtree(world: StatsWorld) -> None:
    response = _get(_client(world.town_leader()), by="centre")
    html = response.content.decode()
    assert response.status_code == 200
    assert world.township.name in html
    assert world.county.name not in html.split("stats-breakdown")[1]


def test_clerks_and_outsiders_are_refused(world: StatsWorld) -> None:
    assert _get(_client(world.user("clerk"))).status_code == 403
    assert _get(_client(world.user("clerk")), "/staff/stats/export.xlsx").status_code == 403
    assert _get(_client(world.user("liaison")), "/staff/stats/report/").status_code == 403
    assert Client().get("/staff/stats/").status_code == 302  # to the login page


def test_bad_input_falls_back_to_defaults(world: StatsWorld) -> None:
    client = _client(world.user("admin"))
    response = client.get("/staff/stats/", {"period": "century", "on": "not-a-date", "by": "x", "item": "abc",
                                            "centre": "nowhere"})
    assert response.status_code == 200
    for on in ["0001-01-01", "9999-12-31"]:
        for period in ["day", "week", "month", "year"]:
            assert client.get("/staff/stats/", {"period": period, "on": on}).status_code == 200
            assert client.get("/staff/stats/export.xlsx", {"period": period, "on": on}).status_code == 200
        assert client.get("/staff/stats/report/", {"on": on}).status_code == 200


def test_export_has_every_table_and_the_report_prints(world: StatsWorld) -> None:
    from openpyxl import load_workbook

    client = _client(world.user("admin"))
    response = _get(client, "/staff/stats/export.xlsx", by="item")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["总体", "事项", "趋势"]
    assert book["事项"]["B1"].value == "收件量"
    names = [row[0].value for row in book["事项"].iter_rows(min_row=2)]
    assert "食品经营许可" in names
    report = client.get("/staff/stats/report/", {"on": START.isoformat()})
    assert report.status_code == 200
    assert "@media print" not in report.content.decode()  # the print rules live in the static stylesheet
    assert "月度统计报告" in report.content.decode()


def test_the_dashboard_query_count_does_not_grow_with_the_data(world: StatsWorld) -> None:
    client = _client(world.user("admin"))
    _get(client, by="staff")
    with CaptureQueriesContext(connection) as small:
        assert _get(client, by="staff").status_code == 200
    random_activity(world, random.Random(9), 60, aware(START + dt.timedelta(days=40), 8))
    services.flush()
    with CaptureQueriesContext(connection) as large:
        assert _get(client, by="staff").status_code == 200
    assert len(large) == len(small) <= 16  # 15 + the fold-on-read check of the backlog
    assert not any("cases_case" in q["sql"] for q in large.captured_queries)


def test_the_dashboard_folds_what_the_worker_has_not_yet(world: StatsWorld) -> None:
    """Requests only queue the backlog (the worker folds it); a leader opening the dashboard between two worker
    passes still sees exact figures, equal to a full recount."""
    from onewindow.stats.models import StatBacklog
    from onewindow.stats.recount import recount
    from onewindow.stats.selectors import figures, period_range, scope_for

    client = _client(world.user("admin"))
    before = _get(client).content.decode()
    random_activity(world, random.Random(11), 20, aware(START + dt.timedelta(days=3), 8))
    assert StatBacklog.objects.exists()  # not folded by the requests themselves
    after = _get(client).content.decode()
    assert not StatBacklog.objects.exists()
    assert after != before
    scope = scope_for(world.user("admin"))
    start, end = period_range("year", START)
    assert figures(start=start, end=end, by=None, scope=scope) == recount(start=start, end=end, by=None, scope=scope)

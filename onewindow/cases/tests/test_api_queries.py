"""Query-count guards: the number of queries of a list or a detail does not grow with the data (no N+1)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.cases import services
from onewindow.cases.models import Case

from .api_world import World, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _queries(client, path, **params) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(ctx), [q["sql"] for q in ctx.captured_queries]


def _cases(world: World, n: int) -> None:
    for i in range(n):
        world.case("accepted" if i % 2 else "received")


@pytest.mark.parametrize("persona", ["clerk", "approver", "leader_township", "leader", "owner"])
def test_the_list_costs_the_same_for_3_and_for_30_cases(persona):
    world = World()
    client = world.client(persona)
    _cases(world, 3)
    few, _ = _queries(client, url(), limit=100)
    _cases(world, 27)
    many, sql = _queries(client, url(), limit=100)
    assert many == few, "\n".join(sql)
    assert few <= 8, few


def test_the_filtered_list_and_the_export_cost_the_same_for_3_and_for_30_cases():
    world = World()
    client = world.client("head")
    _cases(world, 3)
    few = (_queries(client, url(), due_state="normal")[0], _queries(client, url(action="export"))[0])
    _cases(world, 27)
    many = (_queries(client, url(), due_state="normal")[0], _queries(client, url(action="export"))[0])
    assert many == few


def _history(world: World, case: Case, events: int) -> Case:
    """Grow a case's history to `events` rows with visits and uploads (attachments are prefetched too)."""
    clerk = world.user("clerk")
    material = case.materials.first()
    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    services.upload_material(actor=clerk, case=case, material=material, upload=upload)
    while case.events.count() < events:
        services.record_visit(actor=clerk, case=case)
    assert case.events.count() == events
    return case


@pytest.mark.parametrize("persona", ["clerk", "approver", "owner"])
def test_the_detail_costs_the_same_for_2_and_for_20_events(persona):
    world = World()
    client = world.client(persona)
    short = _history(world, world.case("received"), 2)
    long = _history(world, world.case("received"), 20)
    few, _ = _queries(client, url(short))
    many, sql = _queries(client, url(long))
    assert many == few, "\n".join(sql)
    # 11 queries, plus on PostgreSQL the 4 statements of core.db.fixed_join_order inside the test's transaction
    # (savepoint, SET LOCAL, its reset, release).
    assert few <= (15 if connection.vendor == "postgresql" else 12), few

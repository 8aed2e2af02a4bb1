"""The liaison inbox, the handoff page, the bureau's statistics and the department systems' API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.supervision import services
from onewindow.supervision.choices import FeedbackKind, HandoffStatus
from onewindow.supervision.models import Handoff
from onewindow.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _client(world, persona):
    client = Client()
    assert client.login(username=world.user(persona).username, password=PASSWORD)
    return client


def test_the_inbox_lists_what_the_liaison_must_claim_and_the_pool(world):
    market = Handoff.objects.get(case=world.decided(world.food))
    pool = Handoff.objects.get(case=world.decided(world.unsupervised))
    client = _client(world, "liaison")
    page = client.get("/supervision/inbox/").content.decode()
    assert market.case.number in page and pool.case.number not in page
    assert pool.case.number in client.get("/supervision/inbox/?tab=pool").content.decode()
    other = _client(world, "liaison_health").get("/supervision/inbox/").content.decode()
    assert market.case.number not in other


def test_claim_and_feedback_through_the_pages(world):
    handoff = Handoff.objects.get(case=world.decided(world.food))
    client = _client(world, "liaison")
    response = client.post(f"/supervision/handoffs/{handoff.uuid}/claim/")
    assert response.status_code == 302
    assert client.post(f"/supervision/handoffs/{handoff.uuid}/claim/").status_code == 409
    response = client.post(f"/supervision/handoffs/{handoff.uuid}/feedback/", {"kind": "visit", "text": "检查"})
    assert response.status_code == 400 and "现场检查请填写检查日期" in response.content.decode()
    response = client.post(f"/supervision/handoffs/{handoff.uuid}/feedback/", {
        "kind": "visit", "text": "现场检查无异常", "visit_date": timezone.localdate().isoformat()})
    assert response.status_code == 302
    bureau = _client(world, "approver").get(f"/supervision/cases/{handoff.case.number}/").content.decode()
    assert "现场检查无异常" in bureau and "测试县市场监督管理局" in bureau


def test_a_handoff_of_another_department_is_a_404(world):
    handoff = Handoff.objects.get(case=world.decided(world.food))
    client = _client(world, "liaison_health")
    assert client.get(f"/supervision/handoffs/{handoff.uuid}/").status_code == 404
    assert client.post(f"/supervision/handoffs/{handoff.uuid}/claim/").status_code == 404


def test_the_bureau_sees_claim_rates_and_overdue_claims_per_department(world):
    first = Handoff.objects.get(case=world.decided(world.food))
    Handoff.objects.get(case=world.decided(world.food, applicant=None))
    services.claim_handoff(actor=world.user("liaison"), handoff=first)
    Handoff.objects.filter(status=HandoffStatus.PENDING).update(claim_due=timezone.localdate().replace(year=2020))
    page = _client(world, "leader").get("/supervision/stats/").content.decode()
    assert "测试县市场监督管理局" in page and "50.0%" in page and "逾期未认领" in page
    assert "2020-" in page


def test_the_api_lists_claims_and_answers_for_a_department_system(world):
    market = Handoff.objects.get(case=world.decided(world.food))
    pool = Handoff.objects.get(case=world.decided(world.unsupervised))
    api = _client(world, "liaison")
    listed = api.get("/api/v1/handoffs/").json()
    assert {r["id"] for r in listed["results"]} == {str(market.uuid), str(pool.uuid)}
    assert [r["id"] for r in api.get("/api/v1/handoffs/?pool=true").json()["results"]] == [str(pool.uuid)]
    claimed = api.post(f"/api/v1/handoffs/{market.uuid}/claim/", {}, content_type="application/json")
    assert claimed.status_code == 200 and claimed.json()["status"] == "claimed"
    assert api.post(f"/api/v1/handoffs/{market.uuid}/claim/", {}, content_type="application/json").status_code == 409
    answer = api.post(f"/api/v1/handoffs/{market.uuid}/feedback/",
                      {"kind": FeedbackKind.CREDIT, "text": "守信激励对象"}, content_type="application/json")
    assert answer.status_code == 201 and answer.json()["department"]["name"] == "测试县市场监督管理局"
    bad = api.post(f"/api/v1/handoffs/{market.uuid}/feedback/", {"kind": "nonsense", "text": ""},
                   content_type="application/json")
    assert bad.status_code == 400
    other = _client(world, "liaison_health")
    assert other.get(f"/api/v1/handoffs/{market.uuid}/").status_code == 404
    assert Client().get("/api/v1/handoffs/").status_code in (401, 403)


def test_the_api_list_does_not_grow_queries_with_rows(world, django_assert_max_num_queries):
    for _ in range(6):
        world.decided(world.food)
    api = _client(world, "liaison")
    with django_assert_max_num_queries(12):
        assert len(api.get("/api/v1/handoffs/").json()["results"]) == 6

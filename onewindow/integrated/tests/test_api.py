"""The public API: published services, their questions, and plans (400 for unknown codes)."""

from __future__ import annotations

import pytest

from onewindow.integrated.models import IntegratedService

pytestmark = pytest.mark.django_db

ANSWERS = {"licence": "has_licence", "area": "a50", "dine_in": "dine_yes", "cooking": "cook_no", "alcohol": "alc_none",
           "sign": "sign_no", "premises": "own"}


def test_it_lists_published_services(demo, client):
    IntegratedService.objects.filter(code="qiye-zhuxiao").update(is_active=False)
    data = client.get("/api/v1/integrated/").json()
    codes = [s["code"] for s in data]
    assert codes == ["kaiban-qiye", "kai-canyin", "xinshenger-chusheng", "ershoufang-guohu", "xiangmu-kaigong"]
    assert data[0]["version"] == 1 and "清河县市场监督管理局" in data[0]["departments"]


def test_it_shows_questions_and_options(demo, client):
    data = client.get("/api/v1/integrated/kai-canyin/").json()
    assert data["name"] == "开餐饮店"
    by_code = {q["code"]: q for q in data["questions"]}
    assert by_code["dine_in"]["revealed_by"] == "a50"
    brew = next(o for o in by_code["alcohol"]["options"] if o["code"] == "alc_brew")
    assert brew["blocks"] and brew["block_message"]
    assert len(data["items"]) == 7


def test_it_returns_the_plan(demo, client):
    response = client.post("/api/v1/integrated/kai-canyin/plan/", {"answers": ANSWERS}, content_type="application/json")
    assert response.status_code == 200
    plan = response.json()
    assert plan["complete"] and plan["service"] == {"code": "kai-canyin", "name": "开餐饮店", "version": 1}
    assert [i["code"][-12:] for i in plan["items"]] == ["000131700009"]
    assert all("why" in m for m in plan["materials"])


def test_unknown_codes_are_field_errors(demo, client):
    response = client.post("/api/v1/integrated/kai-canyin/plan/",
                           {"answers": {"licence": "maybe", "colour": "red", "area": ["a50", "a150"]}},
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"answers": {"licence": ["选项 maybe 不属于该问题"], "colour": ["没有这个问题"],
                                           "area": ["单选题只能选择一个选项"]}}
    assert client.post("/api/v1/integrated/kai-canyin/plan/", {"answers": "x"},
                       content_type="application/json").status_code == 400


def test_unpublished_services_are_not_found(demo, client):
    IntegratedService.objects.create(code="draft", name="草稿")
    assert client.get("/api/v1/integrated/draft/").status_code == 404
    assert client.post("/api/v1/integrated/draft/plan/", {"answers": {}}, content_type="application/json").status_code == 404


def test_the_plan_is_throttled(demo, client, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"public": "2/min"})
    cache.clear()
    codes = [client.post("/api/v1/integrated/kai-canyin/plan/", {"answers": ANSWERS},
                         content_type="application/json").status_code for _ in range(3)]
    cache.clear()
    assert codes == [200, 200, 429]

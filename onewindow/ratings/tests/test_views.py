"""Rating and follow-up screens through the test client."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import Client

from onewindow.ratings import services
from onewindow.ratings.models import FollowUp, Rating

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_case_rating_page_rates_each_open_stage_once(case_factory):
    case = case_factory()
    client = Client()
    url = f"/ratings/case/{case.tracking_code}/"
    page = client.get(url).content.decode()
    assert "评价办结环节" in page and 'name="stars"' in page
    client.post(url, {"stage": "complete", "stars": "4"})
    assert "评价受理环节" in client.get(url).content.decode()
    client.post(url, {"stage": "accept", "stars": "5"})
    assert "您已完成评价" in client.get(url).content.decode()
    again = client.post(url, {"stage": "complete", "stars": "1", "reasons": ["slow"]})
    assert again.status_code == 409 and "已经评价过了" in again.content.decode()
    assert [r.level for r in Rating.objects.order_by("stage")] == [1, 2]  # accept=5★→1, complete=4★→2
    assert Client().get("/ratings/case/nope/").status_code == 404


def test_the_tracking_page_include_shows_the_rating_box(case_factory):
    case = case_factory()
    html = Template('{% include "ratings/_case_rating_link.html" %}').render(Context({"case": case}))
    assert f"/ratings/case/{case.tracking_code}/" in html and "待评价" in html
    services.rate_case(actor=None, case=case, stage="accept", level=1)
    services.rate_case(actor=None, case=case, stage="complete", level=1)
    html = Template("{% load ratings_tags %}{% case_rating_box case %}").render(Context({"case": case}))
    assert "rate-case-link" not in html and "非常满意" in html


def test_a_follow_up_is_worked_through_the_screens(hall, case_factory):
    case = case_factory()
    rating = services.rate_case(actor=None, case=case, level=4, reasons=["wait"])
    fu = FollowUp.objects.get(rating=rating)
    client = login(hall.manager)
    assert f"/ratings/follow-ups/{fu.pk}/" in client.get("/ratings/follow-ups/").content.decode()
    url = f"/ratings/follow-ups/{fu.pk}/"
    assert "登记回访" in client.get(url).content.decode()
    empty = client.post(url + "act/callback/", {"note": "", "version": fu.version}, follow=True)
    assert "请填写回访记录" in empty.content.decode()
    client.post(url + "act/callback/", {"note": "已电话回访", "reached": "1", "version": 1})
    client.post(url + "act/verify/", {"finding": "true", "note": "属实", "version": 2})
    stale = client.post(url + "act/rectify/", {"note": "整改", "version": 1}, follow=True)
    assert "已被其他人更新" in stale.content.decode()
    client.post(url + "act/rectify/", {"note": "增开窗口", "version": 3})
    fu.refresh_from_db()
    assert fu.status == "rectified"
    assert login(hall.clerks["clerk2"]).get(url).status_code == 404  # not theirs, not their centre's manager


def test_the_dashboard_is_for_managers_and_leaders(hall, case_factory):
    case = case_factory()
    services.rate_case(actor=None, case=case, level=1)
    assert login(hall.clerks["clerk1"]).get("/ratings/dashboard/").status_code == 403
    page = login(hall.manager).get("/ratings/dashboard/", {"start": "2026-03-01", "end": "2026-03-31"})
    body = page.content.decode()
    assert page.status_code == 200 and 'id="rating-total">1<' in body and "满意度分布" in body

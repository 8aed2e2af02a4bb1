"""Invitations for unrated completed cases, the optional default rating, and the dashboard figures."""

from __future__ import annotations

import datetime as dt

import pytest

from onewindow.outbox.models import OutboxMessage
from onewindow.ratings import services
from onewindow.ratings.models import Rating
from onewindow.ratings.selectors import satisfaction_summary

pytestmark = pytest.mark.django_db


def test_unrated_completed_cases_are_invited_once_and_again_after_three_days(case_factory, at):
    case = case_factory()
    rated = case_factory(seed=2, phone="13800000002")
    services.rate_case(actor=None, tracking_code=rated.tracking_code, level=1)
    assert services.invite_unrated()["first"] == 1
    assert services.invite_unrated()["first"] == 0
    at.advance(days=3)
    assert services.invite_unrated() == {"first": 0, "again": 1, "defaulted": 0}
    at.advance(days=3)
    assert services.invite_unrated() == {"first": 0, "again": 0, "defaulted": 0}
    texts = [m.payload["text"] for m in OutboxMessage.objects.filter(topic="rating.invite")]
    assert len(texts) == 2 and f"/ratings/case/{case.tracking_code}/" in texts[0]
    assert not Rating.objects.filter(is_default=True).exists()  # off by default


def test_the_default_rating_is_a_setting_and_kept_apart(case_factory, at, settings):
    settings.ONEWINDOW_RATING_DEFAULT_SATISFIED = True
    case = case_factory()
    at.advance(days=8)
    assert services.invite_unrated()["defaulted"] == 1
    rating = Rating.objects.get(case=case)
    assert rating.is_default and rating.level == 3
    summary = satisfaction_summary(None, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert summary["total"] == 0 and summary["defaults"] == 1


def test_the_dashboard_shows_distribution_response_and_follow_up_rates(hall, case_factory, take):
    from onewindow.hall import services as hall_services

    cases = [case_factory(seed=n, phone=f"138000000{n:02d}") for n in range(1, 5)]
    services.rate_case(actor=None, tracking_code=cases[0].tracking_code, level=1)
    services.rate_case(actor=None, tracking_code=cases[1].tracking_code, level=2)
    bad = services.rate_case(actor=None, tracking_code=cases[2].tracking_code, level=4, reasons=["wait"])
    services.record_callback(actor=hall.manager, follow_up=bad.follow_up, note="已回访")
    hall_services.issue_ticket(actor=None, category=hall.categories["A"])
    window = take()
    hall_services.call_next(actor=hall.clerks["clerk1"], window=window)
    hall_services.finish_service(actor=hall.clerks["clerk1"], window=window)
    summary = satisfaction_summary([hall.centre.pk], dt.date(2026, 3, 10), dt.date(2026, 3, 10))
    assert [d["count"] for d in summary["distribution"]] == [1, 1, 0, 1, 0]
    assert summary["satisfied_pct"] == pytest.approx(66.7) and summary["bad"] == 1
    assert summary["cases"] == {"total": 4, "rated": 3, "response_pct": 75.0}
    assert summary["tickets"]["total"] == 1 and summary["tickets"]["rated"] == 0
    assert summary["follow_ups"]["callback_pct"] == 100.0 and summary["follow_ups"]["closed"] == 0

"""The hall and ratings API: issue a ticket, read the queue, book and cancel, rate; clear 400/403/409 errors."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from onewindow.cases.auth import register_applicant
from onewindow.hall import services
from onewindow.testing import PASSWORD, synthetic_id_number

pytestmark = pytest.mark.django_db


def test_issue_a_ticket_and_read_the_queue(hall):
    client = APIClient()
    url = f"/api/v1/hall/centres/{hall.centre.code}/tickets/"
    created = client.post(url, {"category": "a", "phone": "13900000001"}, format="json")
    assert created.status_code == 201 and created.data["code"] == "A001" and created.data["ahead"] == 0
    again = client.post(url, {"category": "A", "phone": "13900000001"}, format="json")
    assert again.status_code == 409 and "无需重复取号" in again.data["detail"]
    assert client.post(url, {"category": "Z"}, format="json").status_code == 400
    queue = client.get(f"/api/v1/hall/centres/{hall.centre.code}/queue/").data
    assert queue["categories"][0] == {"prefix": "A", "name": "综合业务", "waiting": 1}
    status = client.get(f"/api/v1/hall/tickets/{created.data['token']}/").data
    assert status["status"] == "waiting" and status["url"].endswith(f"/hall/t/{created.data['token']}/")


def test_book_and_cancel_through_the_api(hall):
    user = register_applicant(phone="13800000055", name="周九", password=PASSWORD)
    client = APIClient()
    item = hall.items["food"]
    slots = client.get(f"/api/v1/hall/centres/{hall.centre.code}/slots/", {"item": item.pk}).data
    assert slots and slots[0]["free"] == 10
    body = {"slot": slots[0]["id"], "item": item.pk, "name": "周九", "cert_number": synthetic_id_number(5),
            "phone": "13800000055"}
    assert client.post("/api/v1/hall/appointments/", body, format="json").status_code == 403
    client.force_authenticate(user)
    booked = client.post("/api/v1/hall/appointments/", body, format="json")
    assert booked.status_code == 201, booked.data
    twice = client.post("/api/v1/hall/appointments/", body, format="json")
    assert twice.status_code == 409 and "同一事项同一天" in twice.data["detail"]
    cancelled = client.post(f"/api/v1/hall/appointments/{booked.data['code']}/cancel/", {}, format="json")
    assert cancelled.data["status"] == "cancelled"


def test_rate_through_the_api_with_clear_errors(hall, take):
    client = APIClient()
    unknown = client.post("/api/v1/ratings/", {"tracking_code": "nope", "level": 1}, format="json")
    assert unknown.status_code == 400 and "找不到该办件" in unknown.data["case"][0]
    assert client.post("/api/v1/ratings/", {"level": 1}, format="json").status_code == 400
    ticket = services.issue_ticket(actor=None, category=hall.categories["A"])
    window = take()
    services.call_next(actor=hall.clerks["clerk1"], window=window)
    services.finish_service(actor=hall.clerks["clerk1"], window=window)
    body = {"ticket_token": ticket.token, "level": 4, "reasons": ["wait"], "channel": "terminal"}
    rated = client.post("/api/v1/ratings/", body, format="json")
    assert rated.status_code == 201 and rated.data["follow_up"] is True
    double = client.post("/api/v1/ratings/", body, format="json")
    assert double.status_code == 409 and "已经评价过了" in double.data["detail"]
    client.force_authenticate(hall.clerks["clerk1"])
    assert client.get("/api/v1/ratings/summary/").status_code == 403
    client.force_authenticate(hall.manager)
    summary = client.get("/api/v1/ratings/summary/", {"start": "2026-03-01", "end": "2026-03-31"}).data
    assert summary["bad"] == 1 and summary["tickets"]["rated"] == 1

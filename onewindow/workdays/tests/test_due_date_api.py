"""GET /api/v1/calendar/due/: public, exact, and a 400 with field errors for any bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from onewindow.testing import make_county
from onewindow.workdays import services
from onewindow.workdays.choices import DayKind

pytestmark = pytest.mark.django_db

URL = "/api/v1/calendar/due/"


def test_it_gives_the_first_working_day_after_the_national_day(client):
    response = client.get(URL, {"date": "2026-09-30", "days": 1})

    assert response.status_code == 200
    assert response.json() == {"date": "2026-09-30", "days": 1, "due": "2026-10-08", "provisional": False}


@pytest.mark.usefixtures("without_2027_schedule")
def test_it_says_when_the_answer_is_provisional(client):
    response = client.get(URL, {"date": "2026-12-30", "days": 3})

    assert response.json() == {"date": "2026-12-30", "days": 3, "due": "2027-01-05", "provisional": True}


def test_it_honours_a_centres_own_days(client):
    county = make_county()
    services.set_day(actor=None, date=dt.date(2026, 10, 8), kind=DayKind.REST, centre=county)

    response = client.get(URL, {"date": "2026-09-30", "days": 1, "centre": county.code})

    assert response.json()["due"] == "2026-10-09"


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"date": "2026-02-30", "days": 1}, {"date"}),
        ({"date": "30/09/2026", "days": 1}, {"date"}),
        ({"date": "2026-09-30", "days": -1}, {"days"}),
        ({"date": "2026-09-30", "days": "ten"}, {"days"}),
        ({"date": "2026-09-30", "days": 3651}, {"days"}),
        ({"date": "2026-09-30", "days": 1, "centre": "nowhere"}, {"centre"}),
        ({}, {"date", "days"}),
        ({"date": "9999-12-30", "days": 1}, {"date"}),
        ({"date": "9990-06-01", "days": 3650}, {"date"}),
    ],
    ids=["impossible-date", "wrong-format", "negative", "not-a-number", "too-many", "unknown-centre", "nothing",
         "beyond-year-9998", "runs-past-year-9998"],
)
def test_it_answers_bad_input_with_400_and_the_fields_at_fault(client, query, fields):
    response = client.get(URL, query)

    assert response.status_code == 400
    assert set(response.json()) == fields

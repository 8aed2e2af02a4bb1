"""Rating a case stage or a hall visit: five levels, one per case and stage or per ticket, clear errors."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from onewindow.core.errors import ConflictError
from onewindow.hall import services as hall_services
from onewindow.ratings import services
from onewindow.ratings.choices import Level, Stage, level_of_stars, stars_of
from onewindow.ratings.models import FollowUp, Rating

pytestmark = pytest.mark.django_db


def served_ticket(hall, take):
    ticket = hall_services.issue_ticket(actor=None, category=hall.categories["A"], phone="13900000009")
    window = take()
    hall_services.call_next(actor=hall.clerks["clerk1"], window=window)
    hall_services.finish_service(actor=hall.clerks["clerk1"], window=window)
    return ticket


def test_the_national_scale_maps_to_stars_at_the_edges():
    assert [stars_of(level) for level in Level] == [5, 4, 3, 2, 1]
    assert level_of_stars(5) == Level.VERY_SATISFIED and level_of_stars(1) == Level.VERY_DISSATISFIED
    with pytest.raises(ValueError):
        level_of_stars(0)


def test_a_served_ticket_is_rated_once(hall, take):
    ticket = served_ticket(hall, take)
    rating = services.rate_ticket(actor=None, token=ticket.token, level=1, channel="qr")
    assert (rating.stage, rating.staff, rating.window, rating.real_name) == (
        Stage.ON_SITE, hall.clerks["clerk1"], hall.windows["1"].window, True)
    with pytest.raises(ConflictError, match="A001 号的本次服务已经评价过了"):
        services.rate_ticket(actor=None, token=ticket.token, level=2, channel="tablet")
    assert not FollowUp.objects.exists()


def test_unknown_or_unfinished_tickets_cannot_be_rated(hall):
    with pytest.raises(ValidationError, match="找不到该排队号"):
        services.rate_ticket(actor=None, token="nope", level=1)
    waiting = hall_services.issue_ticket(actor=None, category=hall.categories["A"])
    with pytest.raises(ConflictError, match="尚未办结"):
        services.rate_ticket(actor=None, token=waiting.token, level=1)


def test_a_case_is_rated_once_per_stage(case_factory):
    case = case_factory()
    accepted = services.rate_case(actor=None, tracking_code=case.tracking_code, stage=Stage.ACCEPTANCE, level=2)
    done = services.rate_case(actor=None, tracking_code=case.tracking_code, level=1, channel="mobile")
    assert (accepted.stage, done.stage) == (Stage.ACCEPTANCE, Stage.COMPLETION)
    assert accepted.staff == case.clerk and done.department == case.department
    with pytest.raises(ConflictError, match="“办结”环节已经评价过了"):
        services.rate_case(actor=None, tracking_code=case.tracking_code, stage=Stage.COMPLETION, level=3)
    assert Rating.objects.filter(case=case).count() == 2


def test_rating_an_unknown_case_is_a_clear_error(db):
    with pytest.raises(ValidationError) as err:
        services.rate_case(actor=None, tracking_code="no-such-code", level=1)
    assert "找不到该办件" in err.value.message_dict["case"][0]


def test_completion_cannot_be_rated_before_the_case_is_done(case_factory):
    case = case_factory(done=False)
    with pytest.raises(ConflictError, match="尚未到“办结”环节"):
        services.rate_case(actor=None, tracking_code=case.tracking_code, stage=Stage.COMPLETION, level=1)
    assert services.rate_case(actor=None, tracking_code=case.tracking_code, level=2).stage == Stage.ACCEPTANCE


def test_bad_input_is_explained(case_factory):
    case = case_factory()
    with pytest.raises(ValidationError) as err:
        services.rate_case(actor=None, tracking_code=case.tracking_code, level=9, channel="fax")
    assert set(err.value.message_dict) == {"level", "channel"}
    with pytest.raises(ValidationError, match="不满意的原因"):
        services.rate_case(actor=None, tracking_code=case.tracking_code, level=5)

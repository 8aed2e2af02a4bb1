"""Concurrent clerks on PostgreSQL: intakes at the same instant, folded into the same daily counter row either
by several workers at once or by each request right after its own commit, lose no counts; and concurrent steps
on one case fold to the recount."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from onewindow.cases import services as cases
from onewindow.core import clock
from onewindow.org.choices import Role
from onewindow.stats.models import StatBacklog
from onewindow.stats.recount import recount
from onewindow.stats.selectors import Scope, figures
from onewindow.stats.services import flush
from onewindow.stats.testing import StatsWorld
from onewindow.testing import make_user, person, run_at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, real parallel writers)"),
]


@pytest.fixture(params=["worker", "after_commit"])
def fold(request: Any, settings: Any) -> Callable[[], None]:
    """Both ways the backlog is folded: by workers (several at once, after the clerks' writes) or by each
    request right after its commit (concurrently with the other clerks)."""
    settings.ONEWINDOW_STATS_FOLD_AFTER_COMMIT = request.param == "after_commit"

    def workers() -> None:
        if request.param == "worker":
            assert StatBacklog.objects.exists()  # the requests left the fold to the worker
            _results, errors = run_at_once([flush, flush, flush])
            assert not errors, errors

    return workers


def test_eight_clerks_receiving_at_once_are_all_counted(fold: Callable[[], None]) -> None:
    world = StatsWorld()
    clerks = [make_user(f"c{n}", Role.CLERK, centre=world.county) for n in range(8)]
    ids = world.material_ids(world.food)

    def intake(n: int) -> Any:
        # Same day, centre, item and channel: only the staff column differs, so the folds meet on the
        # day's rows of the same key prefix; the accepted steps after it meet on the clerk's row.
        case = cases.receive_case(actor=clerks[n], item=world.food, applicant=person(n + 1), centre=world.county,
                                  received_material_ids=ids).case
        return cases.accept_case(actor=clerks[n], case=case)

    results, errors = run_at_once([lambda n=n: intake(n) for n in range(8)])
    assert not errors, errors
    fold()
    assert not StatBacklog.objects.exists()
    today = clock.today()
    window = {"start": today - dt.timedelta(days=1), "end": today + dt.timedelta(days=1), "scope": Scope(everything=True)}
    totals = figures(by=None, **window)[None]
    assert totals["received"] == 8 and totals["accepted"] == 8
    assert figures(by="staff", **window) == recount(by="staff", **window)


def test_steps_on_one_case_from_two_people_at_once_fold_to_the_recount(fold: Callable[[], None]) -> None:
    world = StatsWorld()
    clerk, approver = world.user("clerk"), world.user("approver")
    case = world.accepted()
    case = cases.start_review(actor=approver, case=case)

    def visit() -> Any:
        return cases.record_visit(actor=clerk, case=case)

    def decide() -> Any:
        return cases.decide_case(actor=approver, case=case, approve=True, opinion="准予")

    _results, errors = run_at_once([visit, decide])
    assert not errors, errors
    fold()
    assert not StatBacklog.objects.exists()
    today = clock.today()
    window = {"start": today - dt.timedelta(days=1), "end": today + dt.timedelta(days=1), "scope": Scope(everything=True)}
    assert figures(by=None, **window)[None]["completed"] == 1
    for by in [None, "staff", "day"]:
        assert figures(by=by, **window) == recount(by=by, **window)

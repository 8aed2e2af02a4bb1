"""Real concurrency on PostgreSQL: threads with their own connections hit the same case or the same key.

Run with:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_api ONEWINDOW_TESTING=1 \\
        .venv/bin/pytest onewindow/cases -q --create-db
On SQLite these tests skip (SQLite serialises writers; the sequential idempotency case is in test_api.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from onewindow.cases import services
from onewindow.cases.choices import Action, Status
from onewindow.cases.models import Case, CaseEvent, CaseNumberSequence
from onewindow.core.errors import ConflictError
from onewindow.org.choices import Role
from onewindow.testing import make_user, run_at_once

from .api_world import World, url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, real parallel writers)"),
]


DECISIONS = [Action.ACCEPT, Action.ACCEPT_PENDING, Action.REFUSE]


@pytest.mark.parametrize("round_", range(3))
def test_two_clerks_accepting_and_refusing_at_once_through_the_api_one_wins(round_):
    world = World()
    case = world.case("received")
    colleague = Client()
    colleague.force_login(make_user("clerk-2", Role.CLERK, centre=world.county))
    clients = [world.client("clerk"), colleague]
    version = case.version

    def accept() -> Any:
        return clients[0].post(url(case, "accept"), {"expected_version": version}, content_type="application/json")

    def refuse() -> Any:
        return clients[1].post(url(case, "refuse"), {"reason": "材料不全", "expected_version": version},
                               content_type="application/json")

    responses, errors = run_at_once([accept, refuse])

    assert not errors, errors
    assert sorted(r.status_code for r in responses) == [200, 409], [r.content for r in responses]
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["code"] == "ConflictError" and "刷新" in loser["detail"]
    assert CaseEvent.objects.filter(case=case, action__in=DECISIONS).count() == 1
    assert Case.objects.get(pk=case.pk).status in (Status.ACCEPTED, Status.REFUSED)


def test_two_clerks_acting_at_once_through_the_services_one_gets_a_conflict():
    world = World()
    case = world.case("received")
    colleague = make_user("clerk-2", Role.CLERK, centre=world.county)

    results, errors = run_at_once([
        lambda: services.accept_case(actor=world.user("clerk"), case=Case.objects.get(pk=case.pk)),
        lambda: services.refuse_case(actor=colleague, case=Case.objects.get(pk=case.pk), reason="材料不全"),
    ])

    assert len(errors) == 1 and isinstance(errors[0], ConflictError), errors
    assert "不能" in errors[0].message
    assert sum(r is not None for r in results) == 1
    assert CaseEvent.objects.filter(case=case, action__in=DECISIONS).count() == 1


def _receive(world: World, clerk: Any, key: str) -> Callable[[], services.IntakeResult]:
    return lambda: services.receive_case(actor=clerk, item=world.item, applicant=world.owner_data,
                                         centre=world.county, received_material_ids=world.material_ids(world.item),
                                         idempotency_key=key)


def test_fifty_parallel_creations_with_one_idempotency_key_give_one_case():
    world = World()
    clerk = world.user("clerk")

    results, errors = run_at_once([_receive(world, clerk, "api:retry-1") for _ in range(50)])

    assert not errors, errors[:3]
    assert Case.objects.count() == 1
    assert {r.case.pk for r in results} == {Case.objects.get().pk}
    assert sum(r.created for r in results) == 1
    assert CaseEvent.objects.filter(action=Action.RECEIVE).count() == 1


def test_fifty_parallel_creations_with_different_keys_get_unique_numbers():
    world = World()
    clerk = world.user("clerk")

    results, errors = run_at_once([_receive(world, clerk, f"api:form-{i}") for i in range(50)])

    assert not errors, errors[:3]
    numbers = [r.case.number for r in results]
    assert len(set(numbers)) == 50 and Case.objects.count() == 50
    assert CaseNumberSequence.objects.get().last == 50  # no gaps, no duplicates
    assert sorted(int(n[-7:]) for n in numbers) == list(range(1, 51))


def test_parallel_api_posts_with_one_idempotency_key_answer_201_once_and_200_after():
    world = World()
    clients = [world.client("clerk") for _ in range(20)]  # a test Client is not shared between threads
    payload = world.create_payload()

    responses, errors = run_at_once([
        lambda client=client: client.post(url(), payload, content_type="application/json",
                                          HTTP_IDEMPOTENCY_KEY="kiosk-7")
        for client in clients
    ])

    assert not errors, errors[:3]
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 19 + [201], [r.content[:200] for r in responses if r.status_code not in (200, 201)]
    assert len({r.json()["number"] for r in responses}) == 1
    assert Case.objects.count() == 1

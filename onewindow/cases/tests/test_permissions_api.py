"""Who may do what through the case API: one row per endpoint, one column per persona.

Reading the table: 200/201 the step happens; 403 the persona sees the case but may not take the step (or is
not signed in); 404 the case is outside the persona's scope and is indistinguishable from a missing one;
409 the case's state does not allow the step (the state is checked before the role, so everyone who can see
the case gets the same answer). For "list", 200 means the case is in the persona's list and 404 that the list
answers 200 without it.
"""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.audit.models import AuditEvent
from onewindow.cases import services
from onewindow.cases.models import Case, CaseEvent
from onewindow.core.errors import ForbiddenError
from onewindow.org.choices import Role
from onewindow.testing import make_user

from .api_world import PERSONAS, World, url

pytestmark = pytest.mark.django_db

# Each row: (endpoint, state of the case before the call, payload, expected outcome per persona).
# Personas:            clerk clerk_other approver approver_other head leader leader_township liaison owner other anon
MATRIX: list[tuple[str, str | None, dict[str, Any], tuple[int, ...]]] = [
    ("list", "received", {}, (200, 404, 200, 404, 200, 200, 404, 404, 200, 404, 403)),
    ("detail", "received", {}, (200, 404, 200, 404, 200, 200, 404, 404, 200, 404, 403)),
    ("detail", "approved", {}, (200, 404, 200, 404, 200, 200, 404, 200, 200, 404, 403)),
    ("create", None, {}, (201, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403)),
    ("prereview-pass", "submitted", {}, (200, 404, 403, 404, 403, 403, 404, 404, 403, 404, 403)),
    ("accept", "received", {}, (200, 404, 403, 404, 403, 403, 404, 404, 403, 404, 403)),
    ("accept", "accepted", {}, (409, 404, 409, 404, 409, 409, 404, 404, 409, 404, 403)),
    ("refuse", "received", {"reason": "不属于本机关职权范围", "redirect_to": "县自然资源局"},
     (200, 404, 403, 404, 403, 403, 404, 404, 403, 404, 403)),
    ("request-correction", "received", {"items": [{"material": "申请书", "problem": "缺少签字"}]},
     (200, 404, 403, 404, 403, 403, 404, 404, 403, 404, 403)),
    ("receive-correction", "correction", {}, (200, 404, 200, 404, 200, 403, 404, 404, 200, 404, 403)),
    ("start-review", "accepted", {}, (403, 404, 200, 404, 200, 403, 404, 404, 403, 404, 403)),
    ("review", "staged", {"opinion": "材料齐全，建议准予"}, (403, 404, 200, 404, 200, 403, 404, 404, 403, 404, 403)),
    ("start-special", "in_review", {"kind": "expert_review", "reason": "需要专家评审"},
     (403, 404, 200, 404, 200, 403, 404, 404, 403, 404, 403)),
    ("end-special", "special", {"result": "听证结束，维持原申请"}, (403, 404, 200, 404, 200, 403, 404, 404, 403, 404, 403)),
    ("extend", "in_review", {"days": 10, "reason": "情况复杂，经负责人批准延长"},
     (403, 404, 200, 404, 200, 403, 404, 404, 403, 404, 403)),
    ("decide", "in_review", {"approve": True, "opinion": "符合条件，准予许可"},
     (403, 404, 200, 404, 200, 403, 404, 404, 403, 404, 403)),
    ("fulfil-pending", "pending", {"material_id": "deferrable"}, (200, 404, 200, 404, 200, 403, 404, 404, 403, 404, 403)),
    ("deliver", "approved", {"method": "pickup", "recipient": "王小明"}, (200, 404, 200, 404, 200, 403, 404, 403, 403, 404, 403)),
    ("archive", "delivered", {}, (200, 404, 200, 404, 200, 403, 404, 403, 403, 404, 403)),
    ("withdraw", "accepted", {"reason": "申请人书面申请撤回"}, (200, 404, 403, 404, 403, 403, 404, 404, 200, 404, 403)),
    ("revoke", "approved", {"reason": "以欺骗手段取得许可"}, (403, 404, 200, 404, 200, 403, 404, 403, 403, 404, 403)),
    ("export", None, {}, (403, 403, 403, 403, 200, 200, 200, 403, 403, 403, 403)),
]

CELLS = [
    pytest.param(endpoint, state, payload, persona, expected[i], id=f"{endpoint}[{state}]-{persona}")
    for endpoint, state, payload, expected in MATRIX
    for i, persona in enumerate(PERSONAS)
]


def test_the_matrix_has_a_column_for_every_persona():
    assert all(len(row[3]) == len(PERSONAS) for row in MATRIX)


@pytest.mark.parametrize(("endpoint", "state", "payload", "persona", "expected"), CELLS)
def test_permission_matrix(endpoint, state, payload, persona, expected):
    world = World()
    item = world.staged_item if state == "staged" else world.item
    case = world.case("in_review" if state == "staged" else state, item=item) if state else None
    client = world.client(persona)
    if payload.get("material_id") == "deferrable":
        payload = {**payload, "material_id": world.deferrable_id(world.item)}
    events_before, audit_before = CaseEvent.objects.count(), AuditEvent.objects.count()

    if endpoint == "list":
        response = client.get(url())
        if response.status_code == 200:
            listed = case.number in {c["number"] for c in response.json()["results"]}
            assert (200 if listed else 404) == expected
            return
    elif endpoint == "detail":
        response = client.get(url(case))
    elif endpoint == "create":
        response = client.post(url(), world.create_payload(), content_type="application/json")
    elif endpoint == "export":
        response = client.get(url(action="export"))
    else:
        response = client.post(url(case, endpoint), payload, content_type="application/json")

    assert response.status_code == expected, response.content.decode()[:500]
    if expected in (403, 404, 409):
        assert "detail" in response.json()
        # A refused step writes nothing: no history row, no audit row.
        assert (CaseEvent.objects.count(), AuditEvent.objects.count()) == (events_before, audit_before)
    if endpoint not in ("list", "detail", "create", "export") and expected == 200:
        assert CaseEvent.objects.count() > events_before
        assert response.json()["version"] > case.version


def test_a_township_leader_sees_the_cases_of_their_township_and_nothing_above_it():
    world = World()
    wide = world.item
    wide.county_wide = True
    wide.save(update_fields=["county_wide"])
    township_clerk = make_user("clerk-t1", Role.CLERK, centre=world.township)
    at_township = services.receive_case(actor=township_clerk, item=wide, applicant=world.owner_data,
                                        centre=world.township).case
    at_county = world.case("received")
    numbers = {c["number"] for c in world.client("leader_township").get(url()).json()["results"]}
    assert at_township.number in numbers and at_county.number not in numbers
    numbers = {c["number"] for c in world.client("leader").get(url()).json()["results"]}
    assert {at_township.number, at_county.number} <= numbers


def test_an_applicant_cannot_register_a_case_through_an_online_channel():
    world = World()
    response = world.client("owner").post(url(), world.create_payload(channel="online_pc"),
                                          content_type="application/json")
    assert response.status_code == 403
    # The service itself refuses too: an online channel is no way around pre-review (submit_online).
    with pytest.raises(ForbiddenError):
        services.receive_case(actor=world.user("owner"), item=world.item, applicant=world.owner_data,
                              centre=world.county, channel="online_pc")
    assert not Case.objects.exists()

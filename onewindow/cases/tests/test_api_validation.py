"""Bad input gets a 400 that names the field, and nothing is written: no case, no history row, no audit row."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.audit.models import AuditEvent
from onewindow.cases.models import Applicant, Case, CaseEvent

from .api_world import World, url

pytestmark = pytest.mark.django_db

PAST = "2020-01-02"
FUTURE = "2099-01-04"

# (endpoint, state of the case, persona, payload, field named in the 400)
# Payload values "$deferrable" are replaced by the guide id of the item's deferrable material.
BAD_INPUT: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("accept", "received", "clerk", {"pending": [{"material_id": "$deferrable", "promised_by": "2026-13-01"}],
                                     "promise_text": "承诺"}, "pending"),
    ("accept", "received", "clerk", {"pending": [{"material_id": 999999, "promised_by": FUTURE}],
                                     "promise_text": "承诺"}, "materials"),
    ("accept", "received", "clerk", {"pending": [{"material_id": "$deferrable", "promised_by": PAST}],
                                     "promise_text": "承诺"}, "materials"),
    ("accept", "received", "clerk", {"pending": [{"material_id": "$deferrable", "promised_by": FUTURE}]},
     "materials"),
    ("accept", "received", "clerk", {"pending": [{"material_id": "$deferrable", "promised_by": FUTURE}] * 2,
                                     "promise_text": "承诺"}, "pending"),
    ("accept", "received", "clerk", {"expected_version": "abc"}, "expected_version"),
    ("refuse", "received", "clerk", {}, "reason"),
    ("refuse", "received", "clerk", {"reason": "   "}, "reason"),
    ("request-correction", "received", "clerk", {"items": []}, "items"),
    ("request-correction", "received", "clerk", {"items": [{"material": "申请书"}]}, "items"),
    ("request-correction", "received", "clerk", {"items": "申请书缺签字"}, "items"),
    ("receive-correction", "correction", "clerk", {"received_material_ids": [999999]}, "received_material_ids"),
    ("prereview-pass", "submitted", "clerk", {"expected_version": 0}, "expected_version"),
    ("review", "staged", "approver", {}, "opinion"),
    ("start-special", "in_review", "approver", {"kind": "party", "reason": "需要听证"}, "kind"),
    ("start-special", "in_review", "approver", {"kind": "hearing"}, "reason"),
    ("end-special", "special", "approver", {}, "result"),
    ("extend", "in_review", "approver", {"days": 0, "reason": "情况复杂"}, "days"),
    ("extend", "in_review", "approver", {"days": 16, "reason": "情况复杂"}, "days"),
    ("extend", "in_review", "approver", {"days": "ten", "reason": "情况复杂"}, "days"),
    ("extend", "in_review", "approver", {"days": 5}, "reason"),
    ("decide", "in_review", "approver", {"opinion": "同意"}, "approve"),
    ("decide", "in_review", "approver", {"approve": True}, "opinion"),
    ("decide", "in_review", "approver", {"approve": "maybe", "opinion": "同意"}, "approve"),
    ("deliver", "approved", "clerk", {"method": "drone"}, "method"),
    ("deliver", "approved", "clerk", {"method": "ems"}, "waybill_number"),
    ("deliver", "approved", "clerk", {"method": "pickup"}, "recipient"),
    ("archive", "delivered", "clerk", {"expected_version": -1}, "expected_version"),
    ("withdraw", "accepted", "clerk", {}, "reason"),
    ("revoke", "approved", "approver", {}, "reason"),
    ("revoke", "approved", "approver", {"reason": ""}, "reason"),
    ("fulfil-pending", "pending", "clerk", {"material_id": 999999}, "material_id"),
    ("fulfil-pending", "pending", "clerk", {}, "material_id"),
]


def _resolve(payload: Any, world: World) -> Any:
    if payload == "$deferrable":
        return world.deferrable_id(world.item)
    if isinstance(payload, dict):
        return {k: _resolve(v, world) for k, v in payload.items()}
    if isinstance(payload, list):
        return [_resolve(v, world) for v in payload]
    return payload


def _counts() -> tuple[int, int, int, int]:
    return Case.objects.count(), Applicant.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize(("endpoint", "state", "persona", "payload", "field"), [
    pytest.param(*row, id=f"{row[0]}-{row[4]}-{i}") for i, row in enumerate(BAD_INPUT)
])
def test_a_transition_with_bad_input_is_a_400_and_writes_nothing(endpoint, state, persona, payload, field):
    world = World()
    item = world.staged_item if state == "staged" else world.item
    case = world.case("in_review" if state == "staged" else state, item=item)
    client = world.client(persona)
    before = _counts()

    response = client.post(url(case, endpoint), _resolve(payload, world), content_type="application/json")

    assert response.status_code == 400, response.content.decode()
    errors = response.json()
    assert field in errors and errors[field], errors
    assert _counts() == before
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.status, fresh.version) == (case.status, case.version)


def _applicant(world: World, **changes: Any) -> dict[str, Any]:
    data = world.owner_data
    return {"kind": data.kind, "name": data.name, "cert_type": data.cert_type, "cert_number": data.cert_number,
            "phone": data.phone, **changes}


def _bad_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


BAD_INTAKE: list[tuple[str, Any, str]] = [
    ("applicant", lambda w: {"applicant": _applicant(w, name="")}, "name"),
    ("applicant", lambda w: {"applicant": _applicant(w, cert_number=_bad_check_digit(w.owner_data.cert_number))},
     "cert_number"),
    ("applicant", lambda w: {"applicant": _applicant(w, cert_number="12345")}, "cert_number"),
    ("applicant", lambda w: {"applicant": _applicant(w, phone="12345")}, "phone"),
    ("applicant", lambda w: {"applicant": _applicant(w, kind="enterprise")}, "cert_type"),
    ("applicant", lambda w: {"applicant": _applicant(w, cert_type="XXX")}, "cert_type"),
    ("applicant", lambda w: {"applicant": None}, None),
    ("item", lambda w: {"item": 999999}, None),
    ("item", lambda w: {"item": "11990000000000001X4000000000000"}, None),
    ("item", lambda w: {"item": True}, None),
    ("centre", lambda w: {"centre": "nowhere"}, None),
    ("channel", lambda w: {"channel": "fax"}, None),
    ("window", lambda w: {"window": 999999}, None),
    ("materials", lambda w: {"received_material_ids": [999999]}, None),
    ("received_material_ids", lambda w: {"received_material_ids": ["one"]}, None),
    ("agent_phone", lambda w: {"agent_name": "赵六", "agent_cert_number": w.owner_data.cert_number,
                               "agent_phone": "0000"}, None),
    ("agent_cert_number", lambda w: {"agent_name": "赵六",
                                     "agent_cert_number": _bad_check_digit(w.owner_data.cert_number)}, None),
    ("agent_cert_number", lambda w: {"agent_name": "赵六"}, None),
    ("form_data", lambda w: {"form_data": ["not", "an", "object"]}, None),
]


@pytest.mark.parametrize(("field", "change", "subfield"), [
    pytest.param(*row, id=f"{row[0]}-{row[2] or i}") for i, row in enumerate(BAD_INTAKE)
])
def test_intake_with_bad_input_is_a_400_and_creates_nothing(field, change, subfield):
    world = World()
    client = world.client("clerk")
    before = _counts()

    response = client.post(url(), world.create_payload(**change(world)), content_type="application/json")

    assert response.status_code == 400, response.content.decode()
    errors = response.json()
    assert field in errors, errors
    if subfield:
        assert subfield in errors[field], errors
    assert _counts() == before
    # The answer never echoes a certificate number back.
    assert world.owner_data.cert_number[:-1].encode() not in response.content


def test_a_body_that_is_not_json_is_a_400():
    world = World()
    case = world.case("received")
    response = world.client("clerk").post(url(case, "refuse"), "{reason", content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()

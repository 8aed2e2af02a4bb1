"""Personal data in API answers: full for the centre's clerks and the applicant, masked for everyone else."""

from __future__ import annotations

import logging

import pytest

from onewindow.audit.models import AuditEvent
from onewindow.cases.models import Case
from onewindow.core.masking import mask_id_number, mask_phone
from onewindow.testing import synthetic_id_number

from .api_world import OWNER_PHONE, World, url

pytestmark = pytest.mark.django_db

AGENT_ID = synthetic_id_number(55, birth="19900202")
AGENT_PHONE = "13655556666"


@pytest.fixture
def world():
    return World()


@pytest.fixture
def decided_case(world, django_capture_on_commit_callbacks):
    """A case whose free text also carries numbers someone typed: the agent's, in the form and an opinion."""
    clerk, approver = world.client("clerk"), world.client("approver")
    with django_capture_on_commit_callbacks(execute=True):
        payload = world.create_payload(
            agent_name="赵六", agent_cert_number=AGENT_ID, agent_phone=AGENT_PHONE,
            form_data={"经营场所": "测试县城关镇一号", "联系人": f"王小明 {OWNER_PHONE}", "备注": f"代理人身份证{AGENT_ID}"},
        )
        number = clerk.post(url(), payload, content_type="application/json").json()["number"]
        case = Case.objects.get(number=number)
        for client, step, data in [
            (clerk, "accept", {}), (approver, "start-review", {}),
            (approver, "decide", {"approve": True, "opinion": f"准予许可，已电话 {OWNER_PHONE} 告知"}),
        ]:
            assert client.post(url(case, step), data, content_type="application/json").status_code == 200
    return case


SECRETS = [lambda w: w.owner_data.cert_number, lambda w: OWNER_PHONE, lambda w: AGENT_ID, lambda w: AGENT_PHONE]


@pytest.mark.parametrize("persona", ["approver", "head", "leader", "liaison"])
def test_roles_that_do_not_check_identity_see_masked_numbers_only(world, decided_case, persona):
    client = world.client(persona)
    detail = client.get(url(decided_case))
    listing = client.get(url())
    assert detail.status_code == listing.status_code == 200
    for response in (detail, listing):
        for secret in SECRETS:
            assert secret(world).encode() not in response.content, (persona, secret(world)[:3])
    body = detail.json()
    assert body["applicant"]["cert_number"] == mask_id_number(world.owner_data.cert_number)
    assert body["applicant"]["phone"] == mask_phone(OWNER_PHONE) == "139****5678"
    assert body["agent_cert_number"] == mask_id_number(AGENT_ID) and body["agent_phone"] == "136****6666"
    assert body["form_data"]["联系人"] == "王小明 139****5678"
    assert "139****5678" in body["events"][-1]["opinion"]
    assert body["tracking_code"] is None and "query_password" not in body
    assert body["applicant"]["name"] == "王小明"  # approvers issue the decision in the applicant's name


def test_the_centre_clerk_sees_masked_numbers_until_an_audited_reveal(world, decided_case):
    clerk = world.client("clerk")
    body = clerk.get(url(decided_case)).json()
    assert body["applicant"]["cert_number"] == mask_id_number(world.owner_data.cert_number)
    assert body["tracking_code"] == decided_case.tracking_code  # the window hands out receipts
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()
    body = clerk.get(url(decided_case), {"reveal": "true"}).json()
    assert body["applicant"]["cert_number"] == world.owner_data.cert_number and body["agent_phone"] == AGENT_PHONE
    event = AuditEvent.objects.get(action="pii.reveal")
    assert event.actor == world.user("clerk") and event.data["case"] == decided_case.number
    # Nobody else gets more by asking.
    for persona in ("approver", "leader"):
        response = world.client(persona).get(url(decided_case), {"reveal": "true"})
        assert response.status_code == 403 and world.owner_data.cert_number.encode() not in response.content
    assert AuditEvent.objects.filter(action="pii.reveal").count() == 1


@pytest.mark.parametrize("persona", ["clerk", "owner"])
def test_the_centre_clerk_on_request_and_the_applicant_see_full_numbers(world, decided_case, persona):
    body = world.client(persona).get(url(decided_case), {"reveal": "true"} if persona == "clerk" else {}).json()
    assert body["applicant"]["cert_number"] == world.owner_data.cert_number
    assert body["applicant"]["phone"] == OWNER_PHONE and body["agent_cert_number"] == AGENT_ID
    assert body["form_data"]["备注"] == f"代理人身份证{AGENT_ID}"
    assert body["tracking_code"] == decided_case.tracking_code
    assert "query_password" not in body
    assert decided_case.query_password not in body["tracking_code"]


def test_a_clerk_of_another_centre_learns_nothing(world, decided_case):
    response = world.client("clerk_other").get(url(decided_case))
    assert response.status_code == 404
    assert world.owner_data.cert_number.encode() not in response.content


def test_audit_rows_and_logs_never_carry_full_numbers(world, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        payload = world.create_payload(agent_name="赵六", agent_cert_number=AGENT_ID, agent_phone=AGENT_PHONE)
        response = world.client("clerk").post(url(), payload, content_type="application/json")
        assert response.status_code == 201
        number = world.owner_data.cert_number
        wrong_check = number[:-1] + ("1" if number[-1] != "1" else "2")
        bad = world.client("clerk").post(url(), world.create_payload(applicant={
            **payload["applicant"], "cert_number": wrong_check}), content_type="application/json")
        assert bad.status_code == 400
    assert caplog.records  # the audit log line was written
    text = caplog.text + " ".join(f"{a.summary} {a.data}" for a in AuditEvent.objects.all())
    for secret in SECRETS:
        assert secret(world) not in text
    assert world.owner_data.cert_number[:-1] not in bad.content.decode()

"""The case API as a client uses it: intake, one call for a whole case, lists with filters, export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from onewindow.audit.models import AuditEvent
from onewindow.cases import services
from onewindow.cases.choices import Action, Status
from onewindow.cases.models import Case
from onewindow.core import clock
from onewindow.core.masking import mask_id_number
from onewindow.org.choices import Role
from onewindow.testing import make_user
from onewindow.workdays.calendar import get_calendar

from .api_world import World, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def post(client, path, data=None, **extra):
    return client.post(path, data or {}, content_type="application/json", **extra)


# -- intake ------------------------------------------------------------------------------------


def test_a_clerk_registers_a_case_and_gets_the_receipt_data_once(world):
    response = post(world.client("clerk"), url(), world.create_payload())
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(number=body["number"])
    assert body["status"] == Status.RECEIVED and body["version"] == case.version
    assert body["query_password"] == case.query_password and body["tracking_code"] == case.tracking_code
    # Masked even for the clerk who typed it: full values come only with an audited ?reveal=true.
    assert body["applicant"]["cert_number"] == mask_id_number(world.owner_data.cert_number)
    assert [e["action"] for e in body["events"]] == [Action.RECEIVE]
    assert body["events"][0]["actor_name"] == "clerk"
    assert all(m["status"] == "received" for m in body["materials"])
    # Later reads never show the password again.
    detail = world.client("clerk").get(url(case)).json()
    assert "query_password" not in detail and case.query_password not in str(detail.get("events"))


@pytest.mark.parametrize("window", [False, True])
def test_the_intake_response_built_in_memory_equals_reading_the_case_back(world, window):
    """The 201 body is serialised from the objects the intake request holds, not re-read; it must say exactly
    what GET says of the same case (apart from the one-time query password), in one query fewer than half."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onewindow.testing import person

    client = world.client("clerk")
    payload = world.create_payload(
        applicant={"kind": "person", "name": "王五", "cert_type": "111", "cert_number": person(77).cert_number,
                   "phone": "13912345678", "address": "城关镇解放路1号"},
        received_material_ids=world.material_ids(world.item)[:1], form_data={"用途": "开业"},
        agent_name="赵六", agent_cert_number=person(78).cert_number, agent_phone="13812345678")
    if window:
        from onewindow.org.models import Window

        payload["window"] = Window.objects.create(centre=world.county, number="3", name="综合窗口").pk
    with CaptureQueriesContext(connection) as created_queries:
        created = post(client, url(), payload)
    assert created.status_code == 201, created.content
    body = created.json()
    password = body.pop("query_password")
    assert password and len(password) == 6
    read_back = client.get(url(Case.objects.get(number=body["number"])))
    assert read_back.status_code == 200
    assert body == read_back.json()
    assert not any("JOIN" in q["sql"] and "cases_case" in q["sql"].split("FROM")[1][:30]
                   for q in created_queries.captured_queries if q["sql"].startswith("SELECT"))


def test_the_item_may_be_named_by_its_implementation_code(world):
    response = post(world.client("clerk"), url(), world.create_payload(item=world.item.implementation_code))
    assert response.status_code == 201
    assert response.json()["item"]["id"] == world.item.pk


def test_the_same_idempotency_key_returns_the_same_case_with_200(world):
    client = world.client("clerk")
    first = post(client, url(), world.create_payload(), HTTP_IDEMPOTENCY_KEY="form-42")
    again = post(client, url(), world.create_payload(), HTTP_IDEMPOTENCY_KEY="form-42")
    in_body = post(client, url(), world.create_payload(idempotency_key="form-42"))
    assert (first.status_code, again.status_code, in_body.status_code) == (201, 200, 200)
    assert first.json()["number"] == again.json()["number"] == in_body.json()["number"]
    assert Case.objects.count() == 1
    # The key is scoped per user: another clerk's identical key is a different request.
    colleague = Client()
    colleague.force_login(make_user("clerk-2", Role.CLERK, centre=world.county))
    other = post(colleague, url(), world.create_payload(), HTTP_IDEMPOTENCY_KEY="form-42")
    assert other.status_code == 201 and other.json()["number"] != first.json()["number"]


def test_an_overlong_idempotency_key_is_rejected(world):
    response = post(world.client("clerk"), url(), world.create_payload(), HTTP_IDEMPOTENCY_KEY="k" * 81)
    assert response.status_code == 400 and "idempotency_key" in response.json()
    assert not Case.objects.exists()


# -- one call, a whole case ------------------------------------------------------------------------


def test_one_call_returns_the_whole_case_with_timeline_materials_pauses_and_deadline(world):
    clerk, approver = world.user("clerk"), world.user("approver")
    case = world.case("pending")
    case = services.start_review(actor=approver, case=case)
    services.request_correction(actor=approver, case=case, items=[{"material": "经营场所证明", "problem": "地址不清"}],
                                note="请补正经营场所证明")
    case = services.receive_correction(actor=clerk, case=Case.objects.get(pk=case.pk))
    case = services.extend_deadline(actor=approver, case=case, days=5, reason="需要现场核查")

    body = world.client("clerk").get(url(case)).json()
    assert body["number"] == case.number and body["status"] == Status.IN_REVIEW
    assert [e["action"] for e in body["events"]] == [
        Action.RECEIVE, Action.ACCEPT_PENDING, Action.START_REVIEW, Action.REQUEST_CORRECTION,
        Action.RECEIVE_CORRECTION, Action.EXTEND,
    ]
    extend = body["events"][-1]
    assert extend["actor_name"] == "approver" and extend["opinion"] == "需要现场核查"
    assert extend["action_display"] == "延长审批期限"
    pending = [m for m in body["materials"] if m["status"] == "pending"]
    assert [m["material_id"] for m in pending] == [world.deferrable_id(world.item)]
    assert pending[0]["promised_by"] == (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    assert [p["kind"] for p in body["pauses"]] == ["correction"] and body["pauses"][0]["ended_on"]
    assert body["corrections"][0]["items"] == [{"material": "经营场所证明", "problem": "地址不清"}]
    deadline = body["deadline"]
    assert deadline["due_date"] == case.due_date.isoformat() and deadline["extension_days"] == 5
    assert deadline["due_state"] in ("normal", "warning") and deadline["provisional"] is False
    assert deadline["warn_on"] == case.warn_on.isoformat()
    assert body["assignee_name"] == "approver" and body["clerk_name"] == "clerk"
    assert body["handling_centre"] == {"code": world.county.code, "name": world.county.name}


def test_a_case_is_found_by_its_number_and_never_by_its_row_id(world):
    case = world.case("received")
    client = world.client("clerk")
    assert client.get(url(case)).status_code == 200
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert client.get("/api/v1/cases/99000120990101000000/").status_code == 404


def test_a_stale_expected_version_is_a_409_with_a_clear_message(world):
    case = world.case("received")
    stale = case.version
    client = world.client("clerk")
    assert post(client, url(case, "request-correction"),
                {"items": [{"material": "申请书", "problem": "缺少签字"}], "expected_version": stale}).status_code == 200
    response = post(client, url(case, "refuse"), {"reason": "材料不全", "expected_version": stale})
    assert response.status_code == 409
    assert "已被其他人修改" in response.json()["detail"] and "刷新" in response.json()["detail"]
    assert Case.objects.get(pk=case.pk).status == Status.CORRECTION


def test_a_transition_returns_the_updated_case(world):
    case = world.case("received")
    response = post(world.client("clerk"), url(case, "accept"), {"expected_version": case.version})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == Status.ACCEPTED and body["version"] == case.version + 1
    assert body["deadline"]["due_date"] and body["events"][-1]["action"] == Action.ACCEPT


def test_the_whole_journey_runs_through_the_api(world):
    clerk, approver = world.client("clerk"), world.client("approver")
    number = post(clerk, url(), world.create_payload()).json()["number"]
    case = Case.objects.get(number=number)
    steps = [
        (clerk, "accept", {}),
        (approver, "start-review", {}),
        (approver, "start-special", {"kind": "site_inspection", "reason": "需要现场核查"}),
        (approver, "end-special", {"result": "现场核查合格"}),
        (approver, "decide", {"approve": True, "opinion": "准予许可"}),
        (clerk, "deliver", {"method": "pickup", "recipient": "王小明"}),
        (clerk, "archive", {}),
    ]
    for client, step, payload in steps:
        response = post(client, url(case, step), payload)
        assert response.status_code == 200, (step, response.content.decode())
    case.refresh_from_db()
    assert case.status == Status.APPROVED and case.archived_at and case.delivered_at
    assert case.pauses.get().ended_on is not None


def test_fulfilling_a_pending_material_clears_the_flag(world):
    case = world.case("pending")
    response = post(world.client("clerk"), url(case, "fulfil-pending"),
                    {"material_id": world.deferrable_id(world.item)})
    assert response.status_code == 200 and response.json()["has_pending_materials"] is False
    again = post(world.client("clerk"), url(case, "fulfil-pending"), {"material_id": world.deferrable_id(world.item)})
    assert again.status_code == 409


# -- lists and filters -------------------------------------------------------------------------


def _accepted_on(world, day: dt.date) -> Case:
    with clock.frozen(timezone.make_aware(dt.datetime.combine(day, dt.time(10)))):
        return world.case("accepted")


def _day_in_warning(today: dt.date) -> dt.date:
    """An acceptance day whose 5-working-day deadline puts today inside the warning window."""
    calendar = get_calendar(None)
    for back in range(1, 30):
        day = today - dt.timedelta(days=back)
        due = calendar.add_working_days(day, 5).date
        warn = due - dt.timedelta(days=1)
        while not calendar.is_workday(warn):
            warn -= dt.timedelta(days=1)
        if warn <= today <= due:
            return day
    raise AssertionError("no acceptance day puts today in the warning window")


def test_the_list_filters_by_deadline_state(world):
    today = timezone.localdate()
    normal = world.case("accepted")
    overdue = _accepted_on(world, today - dt.timedelta(days=40))
    warning = _accepted_on(world, _day_in_warning(today))
    paused = world.case("special")
    done = world.case("approved")
    world.case("received")  # no clock yet: in no deadline state

    client = world.client("leader")
    expected = {"normal": {normal}, "overdue": {overdue}, "warning": {warning}, "paused": {paused}, "done": {done}}
    for state, cases in expected.items():
        response = client.get(url(), {"due_state": state})
        assert response.status_code == 200
        assert {c["number"] for c in response.json()["results"]} == {c.number for c in cases}, state
        assert all(c["deadline"]["due_state"] == state for c in response.json()["results"])


def test_the_list_filters_by_status_item_centre_section_channel_and_period(world):
    today = timezone.localdate()
    received = world.case("received")
    accepted = world.case("accepted")
    old = _accepted_on(world, today - dt.timedelta(days=40))
    staged = world.case("received", item=world.staged_item)
    client = world.client("leader")

    def numbers(**params):
        response = client.get(url(), params)
        assert response.status_code == 200, response.content
        return {c["number"] for c in response.json()["results"]}

    everything = {received.number, accepted.number, old.number, staged.number}
    assert numbers() == everything
    assert numbers(status="received") == {received.number, staged.number}
    assert numbers(status=["received", "accepted"]) == everything
    assert numbers(item=world.staged_item.pk) == {staged.number}
    assert numbers(centre=world.county.code) == everything
    assert numbers(centre=world.township.code) == set()
    assert numbers(section=world.section.pk) == everything
    assert numbers(channel="window") == everything and numbers(channel="mobile") == set()
    assert numbers(received_before=(today - dt.timedelta(days=1)).isoformat()) == {old.number}
    assert numbers(received_after=today.isoformat()) == everything - {old.number}
    week = today - dt.timedelta(days=40)
    assert numbers(received_after=week.isoformat(), received_before=week.isoformat()) == {old.number}


def test_the_list_is_newest_first_and_paginated(world):
    cases = [world.case("received") for _ in range(3)]
    client = world.client("clerk")
    body = client.get(url(), {"limit": 2}).json()
    assert body["count"] == 3 and body["next"]
    assert [c["number"] for c in body["results"]] == [cases[2].number, cases[1].number]
    rest = client.get(url(), {"limit": 2, "offset": 2}).json()
    assert [c["number"] for c in rest["results"]] == [cases[0].number]


@pytest.mark.parametrize(("params", "field"), [
    ({"due_state": "late"}, "due_state"),
    ({"received_after": "2026-02-30"}, "received_after"),
    ({"status": "lost"}, "status"),
    ({"item": "abc"}, "item"),
])
def test_a_bad_filter_is_a_400_naming_the_field(world, params, field):
    response = world.client("clerk").get(url(), params)
    assert response.status_code == 400 and field in response.json()


# -- export --------------------------------------------------------------------------------------


def test_a_section_head_exports_the_visible_filtered_cases_as_excel_with_masked_data(world):
    accepted = world.case("accepted")
    world.case("received")
    response = world.client("head").get(url(action="export"), {"status": "accepted"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "办件编号" and len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["办件编号"] == accepted.number
    assert row["证件号码"] == mask_id_number(world.owner_data.cert_number)
    assert row["联系电话"] == "139****5678" and row["申请人"] == "王**"
    assert world.owner_data.cert_number.encode() not in response.content
    audit = AuditEvent.objects.get(action="cases_exported")
    assert audit.data == {"filters": {"status": "accepted"}, "rows": 1}


def test_export_as_csv_is_masked_and_safe_to_open_in_a_spreadsheet(world):
    from onewindow.cases.services import ApplicantData
    from onewindow.testing import credit_code

    enterprise = ApplicantData(kind="enterprise", name="=HYPERLINK(\"http://x\")", cert_type="001",
                               cert_number=credit_code(777), phone="13811112222")
    world.case("received", applicant=enterprise)
    response = world.client("leader").get(url(action="export"), {"output": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["申请人"].startswith("'=")  # never run as a formula
    assert row["证件号码"] == credit_code(777)  # an enterprise's credit code is public
    assert row["联系电话"] == "138****2222" and "13811112222" not in text


def test_a_township_leader_exports_only_their_subtree(world):
    world.case("received")
    response = world.client("leader_township").get(url(action="export"), {"output": "csv"})
    assert response.status_code == 200
    assert len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) == 1  # the header alone


def test_an_unknown_export_format_is_a_400(world):
    response = world.client("head").get(url(action="export"), {"output": "pdf"})
    assert response.status_code == 400 and "output" in response.json()


def test_anonymous_users_get_nothing(world):
    case = world.case("received")
    client = world.client("anonymous")
    for response in (client.get(url()), client.get(url(case)), post(client, url(case, "accept")),
                     client.get(url(action="export")), post(client, url(), world.create_payload())):
        assert response.status_code in (401, 403)
        assert case.number.encode() not in response.content

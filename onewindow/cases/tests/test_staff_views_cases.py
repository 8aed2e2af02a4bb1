"""The back office and the case page: inbox and lists, the case detail with its action forms, conflicts,
permissions, the export, and query-count guards."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from onewindow.cases import services
from onewindow.cases.choices import Action, DeliveryMethod, Status
from onewindow.cases.models import Case
from onewindow.org.choices import CentreLevel
from onewindow.testing import Role, make_centre, make_county, make_department, make_item, make_user, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    return make_county()


@pytest.fixture
def dept():
    return make_department()


@pytest.fixture
def item(dept):
    return make_item(dept, promised_days=5, statutory_days=20)


@pytest.fixture
def clerk(county):
    return make_user("clerk", Role.CLERK, centre=county)


@pytest.fixture
def approver(dept):
    return make_user("approver", Role.APPROVER, department=dept, section=dept.sections.first())


@pytest.fixture
def head(dept):
    return make_user("head", Role.SECTION_HEAD, department=dept, section=dept.sections.first())


def _ids(item):
    return [m["id"] for m in item.guides.get(status="published").materials]


def _accepted(clerk, county, item, seed=1):
    case = services.receive_case(actor=clerk, item=item, applicant=person(seed), centre=county,
                                 received_material_ids=_ids(item)).case
    return services.accept_case(actor=clerk, case=case)


def _detail(case):
    return reverse("cases:case_detail", args=[case.number])


def _act(case, action):
    return reverse("cases:case_action", args=[case.number, action])


# ---------------------------------------------------------------------------------------------
# Case detail and actions


def test_a_clerk_of_the_centre_sees_personal_data_in_full_on_request_and_others_masked(client, clerk, approver,
                                                                                       county, item):
    case = _accepted(clerk, county, item)
    number = case.applicant.cert_number
    client.force_login(clerk)
    html = client.get(_detail(case)).content.decode()
    assert number not in html and "张三" in html and "13800000000" not in html
    html = client.post(reverse("cases:case_reveal", args=[case.number])).content.decode()
    assert number in html and "13800000000" in html
    client.force_login(approver)
    html = client.get(_detail(case)).content.decode()
    assert number not in html and "13800000000" not in html
    assert number[:6] + "********" + number[-4:] in html and "张*" in html


def test_a_clerk_of_another_centre_gets_404(client, clerk, county, item):
    case = _accepted(clerk, county, item)
    township = make_centre(county, "t1", CentreLevel.TOWNSHIP)
    outsider = make_user("outsider", Role.CLERK, centre=township)
    client.force_login(outsider)
    assert client.get(_detail(case)).status_code == 404
    assert client.get(reverse("cases:case_notice", args=[case.number, "receipt"])).status_code == 404
    assert client.post(_act(case, "withdraw"), {"expected_version": case.version, "reason": "x"}).status_code == 404
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED


def test_the_detail_shows_timeline_materials_deadline_and_visits(client, clerk, county, item):
    deferrable = next(m["id"] for m in item.guides.get().materials if m["necessity"] == "deferrable")
    received = [i for i in _ids(item) if i != deferrable]
    case = services.receive_case(actor=clerk, item=item, applicant=person(), centre=county,
                                 received_material_ids=received).case
    case = services.accept_case(actor=clerk, case=case, opinion="材料已核",
                                pending={deferrable: timezone.localdate() + dt.timedelta(days=9)}, promise_text="承诺")
    client.force_login(clerk)
    html = client.get(_detail(case)).content.decode()
    for text in ("收件", "容缺受理", "clerk", "容缺待补", "承诺办结日期", case.due_date.isoformat(), "到现场",
                 "受理通知书", "容缺受理承诺书"):
        assert text in html, text


def test_the_back_office_takes_a_case_from_acceptance_to_archive(client, clerk, approver, county, item):
    case = _accepted(clerk, county, item)
    client.force_login(approver)
    response = client.post(_act(case, "start_review"), {"expected_version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.IN_REVIEW and case.assignee == approver
    response = client.post(_act(case, "decide"), {"expected_version": case.version, "decision": "approve",
                                                  "opinion": "符合条件，准予许可"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.APPROVED
    client.force_login(clerk)
    response = client.post(_act(case, "deliver"), {"expected_version": case.version, "method": DeliveryMethod.PICKUP})
    assert response.status_code == 400
    assert 'href="#deliver_recipient"' in response.content.decode()
    response = client.post(_act(case, "deliver"), {"expected_version": case.version, "method": DeliveryMethod.PICKUP,
                                                   "recipient": "张三"})
    assert response.status_code == 302
    case.refresh_from_db()
    response = client.post(_act(case, "archive"), {"expected_version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.archived_at is not None
    assert client.get(reverse("cases:case_notice", args=[case.number, "decision"])).status_code == 200


def test_a_correction_during_review_pauses_and_resumes(client, clerk, approver, county, item):
    case = services.start_review(actor=approver, case=_accepted(clerk, county, item))
    client.force_login(approver)
    material = case.materials.first()
    response = client.post(_act(case, "request_correction"), {
        "expected_version": case.version, f"problem_{material.pk}": "缺少签字", "note": "五日内补正"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CORRECTION and case.pauses.filter(ended_on__isnull=True).exists()
    assert case.corrections.get().items == [{"material": material.name, "problem": "缺少签字"}]
    html = client.get(_detail(case)).content.decode()
    assert "暂停计时" in html and "补正材料通知书" in html
    response = client.post(_act(case, "receive_correction"), {"expected_version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.IN_REVIEW


def test_a_stale_screen_gets_a_conflict_message_not_an_overwrite(client, clerk, approver, county, item):
    case = _accepted(clerk, county, item)
    stale = case.version
    services.start_review(actor=approver, case=case)
    client.force_login(approver)
    response = client.post(_act(case, "decide"), {"expected_version": stale, "decision": "deny", "opinion": "不符合"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "已被其他人修改" in html and "下面是该办件的最新情况" in html
    case.refresh_from_db()
    assert case.status == Status.IN_REVIEW and not case.events.filter(action=Action.DENY).exists()


def test_a_stale_screen_conflicts_for_actions_without_a_service_version_check(client, clerk, county, item):
    case = services.receive_case(actor=clerk, item=item, applicant=person(), centre=county,
                                 received_material_ids=_ids(item)).case
    stale = case.version
    services.accept_case(actor=clerk, case=case)
    client.force_login(clerk)
    response = client.post(_act(case, "record_visit"), {"expected_version": stale})
    assert response.status_code == 409


def test_an_approver_cannot_accept_at_the_window(client, clerk, approver, county, item):
    case = services.receive_case(actor=clerk, item=item, applicant=person(), centre=county,
                                 received_material_ids=_ids(item)).case
    client.force_login(approver)
    response = client.post(_act(case, "accept"), {"expected_version": case.version})
    assert response.status_code == 403
    assert "窗口受理人员" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.RECEIVED


def test_a_decision_without_an_opinion_is_a_field_error(client, clerk, approver, county, item):
    case = services.start_review(actor=approver, case=_accepted(clerk, county, item))
    client.force_login(approver)
    response = client.post(_act(case, "decide"), {"expected_version": case.version, "decision": "deny"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and 'href="#decide_opinion"' in html


def test_an_unknown_action_is_404_and_get_is_not_allowed(client, clerk, county, item):
    case = _accepted(clerk, county, item)
    client.force_login(clerk)
    assert client.post(_act(case, "explode"), {"expected_version": 1}).status_code == 404
    assert client.get(_act(case, "withdraw")).status_code == 405


def test_the_page_offers_only_what_the_user_may_do_now(client, clerk, approver, county, item):
    case = _accepted(clerk, county, item)
    client.force_login(approver)
    panels = [p["name"] for p in client.get(_detail(case)).context["panels"]]
    assert "start_review" in panels and "accept" not in panels and "withdraw" not in panels
    client.force_login(clerk)
    panels = [p["name"] for p in client.get(_detail(case)).context["panels"]]
    assert "withdraw" in panels and "start_review" not in panels and "decide" not in panels


# ---------------------------------------------------------------------------------------------
# Inbox, list, export


def _set_due(case, due, warn):
    # Test set-up only: move a deadline instead of waiting for the calendar to reach it.
    Case.objects.filter(pk=case.pk).update(due_date=due, warn_on=warn)


def test_the_inbox_shows_due_states_in_words_soonest_first(client, clerk, approver, county, item):
    today = timezone.localdate()
    normal, warning, overdue = (_accepted(clerk, county, item, seed) for seed in (1, 2, 3))
    _set_due(normal, today + dt.timedelta(days=20), today + dt.timedelta(days=19))
    _set_due(warning, today + dt.timedelta(days=1), today)
    _set_due(overdue, today - dt.timedelta(days=2), today - dt.timedelta(days=3))
    paused = services.start_review(actor=approver, case=_accepted(clerk, county, item, 4))
    services.request_correction(actor=approver, case=paused, items=[{"material": "申请书", "problem": "缺签字"}])
    client.force_login(approver)
    response = client.get(reverse("cases:inbox"))
    html = response.content.decode()
    for word in ("正常", "临近到期", "已超期", "暂停计时"):
        assert word in html, word
    numbers = [r["case"].number for r in response.context["rows"]]
    assert numbers[:2] == [overdue.number, warning.number]
    assert numbers.index(normal.number) > numbers.index(warning.number)
    only_overdue = client.get(reverse("cases:inbox"), {"due": "overdue"}).context["rows"]
    assert [r["case"].number for r in only_overdue] == [overdue.number]


def test_the_inbox_filters_through_htmx_with_a_partial(client, clerk, approver, county, item):
    _accepted(clerk, county, item)
    client.force_login(approver)
    response = client.get(reverse("cases:inbox"), {"status": "accepted"}, HTTP_HX_REQUEST="true",
                          HTTP_HX_TARGET="case-table")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "共 1 件" in html


def test_the_inbox_of_another_section_is_empty(client, clerk, county, item):
    _accepted(clerk, county, item)
    other = make_department(2, "测试县人力资源和社会保障局")
    stranger = make_user("stranger", Role.APPROVER, department=other, section=other.sections.first())
    client.force_login(stranger)
    assert client.get(reverse("cases:inbox")).context["rows"] == []


def test_the_case_list_finds_a_case_by_id_number(client, clerk, county, item):
    case = _accepted(clerk, county, item, seed=5)
    _accepted(clerk, county, item, seed=6)
    client.force_login(clerk)
    rows = client.get(reverse("cases:case_list"), {"q": case.applicant.cert_number}).context["rows"]
    assert [r["case"].number for r in rows] == [case.number]
    rows = client.get(reverse("cases:case_list"), {"q": case.number}).context["rows"]
    assert [r["case"].number for r in rows] == [case.number]


def _inbox_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("cases:inbox"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_inbox_query_count_does_not_grow_with_the_cases(client, clerk, approver, county, item):
    for seed in range(3):
        _accepted(clerk, county, item, seed)
    client.force_login(approver)
    client.get(reverse("cases:inbox"))  # warm the per-process caches (calendar warnings)
    few = _inbox_queries(client)
    for seed in range(3, 20):
        _accepted(clerk, county, item, seed)
    assert len(client.get(reverse("cases:inbox")).context["rows"]) == 20
    assert _inbox_queries(client) == few


def _detail_queries(client, case):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(_detail(case))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_case_detail_query_count_does_not_grow_with_the_events(client, clerk, county, item):
    short = _accepted(clerk, county, item, 1)
    long = _accepted(clerk, county, item, 2)
    for _ in range(18):
        services.record_visit(actor=clerk, case=long)
    assert short.events.count() == 2 and long.events.count() == 20
    client.force_login(clerk)
    client.get(_detail(short))
    assert _detail_queries(client, short) == _detail_queries(client, long)


def test_the_export_masks_id_numbers(client, clerk, head, county, item):
    case = _accepted(clerk, county, item)
    client.force_login(head)
    response = client.get(reverse("cases:case_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    text = " ".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row if c is not None)
    number = case.applicant.cert_number
    assert case.number in text
    assert number not in text and "张三" not in text and "13800000000" not in text
    assert number[:6] + "********" + number[-4:] in text


def test_the_export_is_403_for_a_clerk(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("cases:case_export")).status_code == 403


def test_a_received_case_is_accepted_from_its_page_with_a_pending_material(client, clerk, county, item):
    deferrable = next(m["id"] for m in item.guides.get().materials if m["necessity"] == "deferrable")
    case = services.receive_case(actor=clerk, item=item, applicant=person(), centre=county,
                                 received_material_ids=[i for i in _ids(item) if i != deferrable]).case
    client.force_login(clerk)
    response = client.post(_act(case, "accept"), {"expected_version": case.version, f"promise_{deferrable}": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "材料不齐" in html and 'href="#act-accept"' in html
    promised = timezone.localdate() + dt.timedelta(days=7)
    response = client.post(_act(case, "accept"), {"expected_version": case.version,
                                                  f"promise_{deferrable}": promised.isoformat(),
                                                  "promise_text": "本人承诺七日内补齐"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.has_pending_materials
    pending = case.materials.get(guide_material_id=deferrable)
    response = client.post(_act(case, "fulfil_pending"), {"expected_version": case.version, "material": pending.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert not case.has_pending_materials


def test_the_case_list_count_stops_at_the_cap_and_asks_for_a_filter(client, clerk, county, item, monkeypatch):
    from onewindow.cases.views_staff import CappedPaginator

    for seed in range(4):
        _accepted(clerk, county, item, seed=20 + seed)
    client.force_login(clerk)
    html = client.get(reverse("cases:case_list")).content.decode()
    assert "共 4 件" in html
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    html = client.get(reverse("cases:case_list")).content.decode()
    assert "超过 3 件，请用筛选条件缩小范围" in html and "共 4 件" not in html
    assert len(client.get(reverse("cases:case_list")).context["rows"]) == 4  # the rows are all still listed


def test_the_case_list_offers_only_items_the_user_has_cases_of(client, clerk, county, item, dept):
    other = make_item(dept, basic_code="000123456777", name="无办件事项")
    _accepted(clerk, county, item, seed=30)
    client.force_login(clerk)
    choices = [c[1] for c in client.get(reverse("cases:case_list")).context["form"].fields["item"].choices]
    assert item.name in choices and other.name not in choices

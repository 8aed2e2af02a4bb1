"""The printed notices: each renders, carries the centre, the case number and the tracking QR code, and
says what the applicant needs (read back from the PDF text)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from onewindow.cases import services
from onewindow.cases.notices import available_notices, notice_pdf
from onewindow.testing import Role, make_county, make_department, make_item, make_user, person

pytestmark = pytest.mark.django_db

BASE = "https://ywt.example.gov.cn"


@pytest.fixture
def county():
    return make_county()


@pytest.fixture
def dept():
    return make_department()


@pytest.fixture
def item(dept):
    return make_item(dept, promised_days=5, statutory_days=20, materials=3, result_name="食品经营许可证")


@pytest.fixture
def clerk(county):
    return make_user("clerk", Role.CLERK, centre=county)


@pytest.fixture
def approver(dept):
    return make_user("approver", Role.APPROVER, department=dept, section=dept.sections.first())


def _materials(item):
    return item.guides.get(status="published").materials


def _received(clerk, county, item, ids=None):
    ids = [m["id"] for m in _materials(item)] if ids is None else ids
    return services.receive_case(actor=clerk, item=item, applicant=person(), centre=county,
                                 received_material_ids=ids).case


def _text(case, kind):
    content = notice_pdf(case, kind, BASE)
    assert content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    # Long strings may wrap inside table cells; compare without line breaks.
    return text.replace("\n", "")


def _cn(day):
    return f"{day.year}年{day.month}月{day.day}日"


def _common(case, text):
    assert case.number in text
    assert case.centre.name in text
    assert f"{BASE}/track/{case.tracking_code}/" in text


def test_the_receipt_shows_number_password_and_tracking_link(clerk, county, item):
    case = _received(clerk, county, item)
    text = _text(case, "receipt")
    _common(case, text)
    assert "收件凭证" in text and case.query_password in text and "查询密码" in text
    assert "张三" in text and item.name in text
    # The applicant's own ID number is printed masked: a lost receipt must not publish it.
    number = case.applicant.cert_number
    assert number not in text and number[:6] + "********" + number[-4:] in text


def test_the_acceptance_notice_promises_the_due_date(clerk, county, item):
    case = services.accept_case(actor=clerk, case=_received(clerk, county, item))
    text = _text(case, "acceptance")
    _common(case, text)
    assert "受理通知书" in text and "决定予以受理" in text and _cn(case.due_date) in text


def test_the_refusal_notice_gives_the_reason_and_where_to_apply(clerk, county, item):
    case = services.refuse_case(actor=clerk, case=_received(clerk, county, item), reason="不属于本机关职权范围",
                                redirect_to="向市市场监督管理局申请")
    text = _text(case, "refusal")
    _common(case, text)
    assert "不予受理通知书" in text and "不属于本机关职权范围" in text and "向市市场监督管理局申请" in text
    assert "行政复议" in text


def test_the_correction_notice_lists_every_material_and_problem_at_once(clerk, county, item):
    materials = _materials(item)
    case = _received(clerk, county, item, ids=[materials[0]["id"]])
    services.request_correction(actor=clerk, case=case, note="请一次补齐", items=[
        {"material": materials[1]["name"], "problem": "未提交"},
        {"material": materials[2]["name"], "problem": "缺少法定代表人签字"},
    ])
    case.refresh_from_db()
    text = _text(case, "correction")
    _common(case, text)
    assert "补正材料通知书" in text and "一次性告知" in text
    for expected in (materials[1]["name"], materials[2]["name"], "未提交", "缺少法定代表人签字", "请一次补齐"):
        assert expected in text, expected


def test_the_pending_promise_lists_each_material_with_its_date_and_signature_lines(clerk, county, item):
    materials = _materials(item)
    deferrable = next(m for m in materials if m["necessity"] == "deferrable")
    ids = [m["id"] for m in materials if m["id"] != deferrable["id"]]
    promised = timezone.localdate() + dt.timedelta(days=15)
    case = services.accept_case(actor=clerk, case=_received(clerk, county, item, ids),
                                pending={deferrable["id"]: promised}, promise_text="本人承诺按期补齐")
    text = _text(case, "pending_promise")
    _common(case, text)
    assert "容缺受理承诺书" in text and deferrable["name"] in text and _cn(promised) in text
    assert "承诺人" in text and "签字" in text and "本人承诺按期补齐" in text


def test_the_decision_uses_the_decision_opinion(clerk, approver, county, item):
    case = services.accept_case(actor=clerk, case=_received(clerk, county, item))
    case = services.decide_case(actor=approver, case=case, approve=True, opinion="经审查符合条件，准予许可")
    text = _text(case, "decision")
    _common(case, text)
    assert "准予行政许可决定书" in text and "经审查符合条件，准予许可" in text and "食品经营许可证" in text


def test_a_denial_says_so_with_its_reasons(clerk, approver, county, item):
    case = services.accept_case(actor=clerk, case=_received(clerk, county, item))
    case = services.decide_case(actor=approver, case=case, approve=False, opinion="经营场所不符合卫生要求")
    text = _text(case, "decision")
    assert "不予行政许可决定书" in text and "经营场所不符合卫生要求" in text and "行政复议" in text


def test_which_notices_are_available_follows_the_case(clerk, approver, county, item):
    case = _received(clerk, county, item)
    assert available_notices(case) == ["receipt"]
    case = services.accept_case(actor=clerk, case=case)
    assert available_notices(case) == ["receipt", "acceptance"]
    case = services.decide_case(actor=approver, case=case, approve=True, opinion="准予")
    assert available_notices(case) == ["receipt", "acceptance", "decision"]
    with pytest.raises(Http404):
        notice_pdf(case, "refusal", BASE)
    with pytest.raises(Http404):
        notice_pdf(case, "nonsense", BASE)


def test_the_staff_route_serves_a_pdf_and_404s_an_unavailable_kind(client, clerk, county, item):
    case = _received(clerk, county, item)
    client.force_login(clerk)
    response = client.get(reverse("cases:case_notice", args=[case.number, "receipt"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).replace("\n", "")
    assert f"http://testserver/track/{case.tracking_code}/" in text
    assert client.get(reverse("cases:case_notice", args=[case.number, "decision"])).status_code == 404
    assert client.get(reverse("cases:case_notice", args=[case.number, "bogus"])).status_code == 404

"""The case flows of 一窗受理 in the browser, as clerks, approvers and applicants do them:

- a general window accepts a promised case with one deferred material (容缺), the approver approves, and the
  applicant follows it on /track/<code>/ and downloads the decision;
- receiving a correction moves the due date by exactly the working days the clock was paused;
- an instant case (即办件) completes in one sitting;
- an online application goes through pre-review and acceptance.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from onewindow.testing import browser_staff_login

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def world(transactional_db: None) -> dict[str, Any]:
    from onewindow.catalog.choices import CaseKind
    from onewindow.testing import Role, make_county, make_department, make_item, make_user

    county = make_county()
    bureau = make_department(seed=1, name="测试县行政审批局")
    food = make_item(bureau, basic_code="000123456000", name="食品经营许可", promised_days=5, statutory_days=20,
                     materials=3, county_wide=True)
    instant = make_item(bureau, basic_code="000123456001", name="个体工商户名称变更", promised_days=0,
                        statutory_days=5, materials=1, case_kind=CaseKind.INSTANT, county_wide=True)
    clerk = make_user("clerk", Role.CLERK, centre=county)
    approver = make_user("approver", Role.APPROVER, department=bureau, section=bureau.sections.first())
    for user in (clerk, approver):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return {"county": county, "bureau": bureau, "food": food, "instant": instant, "clerk": clerk,
            "approver": approver}


def _login(page: Any, username: str) -> None:
    browser_staff_login(page, None, username)
    expect(page).to_have_url(re.compile(r"/staff/$"))


def _logout(page: Any) -> None:
    page.get_by_role("button", name="退出").click()


def _intake(page: Any, item_query: str, cert_number: str, name: str = "王五") -> None:
    """The clerk's general-window form up to the material checklist."""
    page.goto("/staff/intake/")
    page.locator("#id_cert_number").fill(cert_number)
    page.locator("#id_cert_number").press("Tab")  # `change` looks the applicant up (htmx) and swaps the details
    expect(page.locator("#applicant-details")).to_contain_text("新申请人")
    page.locator("#id_name").fill(name)
    page.locator("#id_phone").fill("13900000001")
    page.locator("#id_item").fill(item_query)
    page.locator("#item-results .pick").first.click()
    expect(page.locator("#materials-panel .chosen-item")).to_be_visible()


def _open(panel: Any) -> None:
    """Unfold an action panel (the page opens the likely next one by itself; a click would fold it)."""
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()


def _case_number(page: Any) -> str:
    return page.locator(".case-id .mono").inner_text().strip()


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_window_accepts_with_a_deferred_material_approver_approves_applicant_tracks_and_downloads(
        page: Any, world: dict[str, Any]) -> None:
    from onewindow.cases.models import Case
    from onewindow.testing import synthetic_id_number

    _login(page, "clerk")
    _intake(page, "食品", synthetic_id_number(41))
    rows = page.locator("#id_materials tbody tr")
    expect(rows).to_have_count(3)
    # Tick the two required materials; the deferrable one (法定代表人身份证明) is promised for later.
    rows.filter(has_text="营业执照复印件").locator("input[type=checkbox]").check()
    rows.filter(has_text="经营场所证明").locator("input[type=checkbox]").check()
    promise = rows.filter(has_text="法定代表人身份证明").locator("input[type=date]")
    promise.fill((dt.date.today() + dt.timedelta(days=10)).isoformat())
    page.get_by_role("button", name=re.compile("收件并受理")).click()

    expect(page.locator(".staff-banners .message")).to_contain_text("已完成")
    expect(page.locator(".case-id .status")).to_contain_text("已受理")
    expect(page.locator(".case-id")).to_contain_text("有容缺材料")
    number = _case_number(page)
    _logout(page)

    _login(page, "approver")
    page.goto(f"/staff/cases/{number}/")
    panel = page.locator("#act-decide")
    _open(panel)
    panel.get_by_label(re.compile("决定意见")).fill("经审查，符合食品经营许可条件，准予许可。")
    panel.get_by_role("button", name="准予许可").click()
    expect(page.locator(".case-id .status")).to_contain_text("办结（容缺通过）")  # approved, material still due
    _logout(page)

    case = Case.objects.get(number=number)
    page.goto(f"/track/{case.tracking_code}/")
    expect(page.locator("h1")).to_contain_text("食品经营许可")
    expect(page.locator("body")).not_to_contain_text(synthetic_id_number(41))
    expect(page.locator(".status-line")).to_contain_text("办结")
    link = page.get_by_role("link", name=re.compile("行政许可决定书"))
    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    data = response.body()
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert "行政许可决定书" in text and number in text


def test_receiving_a_correction_moves_the_due_date_by_exactly_the_paused_working_days(
        page: Any, world: dict[str, Any]) -> None:
    from django.utils import timezone

    from onewindow.cases import services
    from onewindow.core.clock import frozen
    from onewindow.testing import person
    from onewindow.workdays.calendar import get_calendar

    calendar = get_calendar()
    today = timezone.localdate()
    # The correction was asked for so that two working days have passed since (Tue+Wed after a Monday request).
    requested = today - dt.timedelta(days=1)
    while calendar.count_working_days(requested, today) < 2:
        requested -= dt.timedelta(days=1)
    accepted = requested - dt.timedelta(days=1)
    while not calendar.is_workday(accepted):
        accepted -= dt.timedelta(days=1)

    food, clerk, approver = world["food"], world["clerk"], world["approver"]
    ids = [m["id"] for m in food.guides.get(status="published").materials]
    at = lambda day: timezone.make_aware(dt.datetime.combine(day, dt.time(10)))  # noqa: E731
    with frozen(at(accepted)):
        case = services.receive_case(actor=clerk, item=food, applicant=person(42), centre=world["county"],
                                     received_material_ids=ids).case
        case = services.accept_case(actor=clerk, case=case)
        case = services.start_review(actor=approver, case=case)
    before = case.due_date
    with frozen(at(requested)):
        services.request_correction(actor=approver, case=case, items=[{"material": "申请书", "problem": "缺少签字"}])
    paused = calendar.count_working_days(requested, today)
    expected = calendar.add_working_days(before, paused).date
    assert paused >= 2 and expected > before

    _login(page, "approver")
    page.goto(f"/staff/cases/{case.number}/")
    expect(page.locator(".case-id .status")).to_contain_text("补正")
    panel = page.locator("#act-receive_correction")
    _open(panel)
    panel.get_by_role("button", name="补正材料已收").click()
    expect(page.locator(".case-id .status")).to_contain_text("办理中")
    due = page.locator("#h-due + table")
    expect(due).to_contain_text(expected.isoformat())
    pause = page.locator("section[aria-labelledby=h-pause]")  # the pause is listed with its dates
    expect(pause).to_contain_text(f"{requested.isoformat()} — {today.isoformat()}")


def test_an_instant_case_completes_in_one_sitting(page: Any, world: dict[str, Any]) -> None:
    from onewindow.cases.models import Case
    from onewindow.testing import synthetic_id_number

    _login(page, "clerk")
    _intake(page, "名称变更", synthetic_id_number(43))
    page.locator("#id_materials tbody input[type=checkbox]").first.check()
    page.locator("button[name=action][value=instant]").click()

    expect(page.locator(".staff-banners .message")).to_contain_text("已完成")
    number = _case_number(page)
    case = Case.objects.get(number=number)
    assert case.status == "approved" and case.delivered_at is not None and case.visits == 1
    assert case.working_days_used == 0
    expect(page.locator("#h-visit")).to_contain_text("1 次")
    expect(page.locator(".case-side")).to_contain_text("办结时间")


def test_an_online_application_is_prereviewed_and_accepted(page: Any, world: dict[str, Any]) -> None:
    from onewindow.cases.auth import register_applicant
    from onewindow.cases.models import Case
    from onewindow.testing import synthetic_id_number

    register_applicant(phone="13800000077", name="赵六", password="Spring-field-2026")
    food = world["food"]
    page.goto("/my/login/")
    page.get_by_label("手机号码").fill("13800000077")
    page.get_by_label("密码").fill("Spring-field-2026")
    page.get_by_role("button", name="登录").click()

    page.goto(f"/apply/{food.implementation_code}/")
    page.get_by_label(re.compile("个人")).check()
    page.get_by_role("button", name="继续").click()
    page.get_by_label("申请人姓名").fill("赵六")
    page.get_by_label("居民身份证号码").fill(synthetic_id_number(44))
    page.get_by_label("联系电话").fill("13800000077")
    page.get_by_role("button", name="继续").click()
    page.get_by_label(re.compile("否，申请人自己办理")).check()
    page.get_by_role("button", name="继续").click()

    files = page.locator("input[type=file]")
    for i in range(files.count()):
        files.nth(i).set_input_files(files=[{"name": f"m{i}.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="上传并继续").click()
    page.locator("input[name=confirm]").check()
    page.locator("#submit-application").click()
    expect(page.locator("main")).to_contain_text("预审")
    case = Case.objects.get(applicant__name="赵六")
    expect(page.locator("main")).to_contain_text(case.number)
    assert case.status == "submitted"
    page.context.clear_cookies()  # the applicant leaves; the clerk signs in on another machine

    _login(page, "clerk")
    page.goto(f"/staff/cases/{case.number}/")
    panel = page.locator("#act-prereview_pass")
    _open(panel)
    panel.get_by_role("button", name="预审通过").click()
    expect(page.locator(".case-id .status")).to_contain_text("已接件")
    panel = page.locator("#act-accept")
    _open(panel)
    panel.get_by_role("button", name="受理").click()
    expect(page.locator(".case-id .status")).to_contain_text("已受理")
    case.refresh_from_db()
    assert case.status == "accepted" and case.visits == 0  # 零跑动: the applicant never came

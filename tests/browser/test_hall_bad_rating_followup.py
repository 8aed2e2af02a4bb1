"""A bad rating through to rectification: the applicant gives one star with a reason on the rating page of
a completed case; the hall manager (the named handler) calls back, verifies and records the rectification
before the 15-working-day deadline; the dashboard shows the follow-up rate."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect


@pytest.fixture
def done_case(transactional_db: None) -> tuple[Any, Any]:
    from onewindow.hall.testing import make_hall
    from onewindow.ratings.tests.conftest import make_case

    hall = make_hall()
    return hall, make_case(hall, phone="13800000456")


def test_a_bad_rating_is_called_back_verified_and_rectified(page: Any, open_page: Any, done_case: Any) -> None:
    from onewindow.outbox.models import OutboxMessage
    from onewindow.ratings.models import FollowUp
    from onewindow.testing import browser_staff_login
    from onewindow.workdays.calendar import get_calendar

    hall, case = done_case
    # The applicant rates the completion: one star, with a reason.
    page.goto(f"/ratings/case/{case.tracking_code}/")
    expect(page.get_by_role("heading", name="评价办结环节")).to_be_visible()
    page.get_by_text("非常不满意", exact=True).click()
    page.locator("#rate-submit").click()
    expect(page.locator(".error-summary")).to_contain_text("不满意的原因")  # a reason is asked for, in words
    page.get_by_text("非常不满意", exact=True).click()
    page.get_by_label("多次跑腿").check()
    page.get_by_label("意见和建议（选填）").fill("材料要求前后说法不一，跑了两次")
    page.locator("#rate-submit").click()
    expect(page.locator(".message")).to_contain_text("感谢您的评价")

    fu = FollowUp.objects.get()
    expected = get_calendar(hall.centre).add_working_days(timezone.localtime(fu.created_at).date(), 15).date
    assert fu.deadline == expected and fu.handler == hall.manager

    # The hall manager works the follow-up from the list.
    manager = open_page()
    browser_staff_login(manager, None, "hallmgr", next_url="/ratings/follow-ups/")
    manager.get_by_role("link", name=str(fu.pk), exact=True).click()
    expect(manager.locator("#fu-status")).to_have_text("待回访")
    expect(manager.locator(".case-id")).to_contain_text(f"{expected:%Y-%m-%d}")
    expect(manager.locator("#fu-handler")).to_have_text("hallmgr")

    manager.get_by_label("回访记录（必填）").fill("已电话联系申请人，致歉并了解经过")
    manager.get_by_role("button", name="登记回访").click()
    expect(manager.locator("#fu-status")).to_have_text("已回访，待核实")
    manager.get_by_label("核实结论").select_option(label="属实")
    manager.get_by_label("核实情况（必填）").fill("调阅窗口录像，一次性告知不完整，属实")
    manager.get_by_role("button", name="登记核实").click()
    expect(manager.locator("#fu-status")).to_have_text("已核实，待整改或说明")
    manager.get_by_label("整改措施（必填）").fill("修订一次性告知单，组织窗口人员培训")
    manager.get_by_role("button", name="整改完成").click()
    expect(manager.locator("#fu-status")).to_have_text("已整改")
    expect(manager.locator(".case-id")).to_contain_text("按期办结")
    expect(manager.locator("#fu-events tr")).to_have_count(4)

    # The dashboard: one bad rating, called back.
    manager.goto("/ratings/dashboard/")
    expect(manager.locator("#bad-count")).to_have_text("1")
    expect(manager.locator("#callback-rate")).to_have_text("100.0%")
    assert re.search("已核实并整改", OutboxMessage.objects.get(topic="rating.follow_up").payload["text"])

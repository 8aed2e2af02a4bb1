"""审管联动 in the browser: a decision produces a handoff, the supervising department's liaison claims it and
records feedback, and the bureau sees the feedback on the case."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from onewindow.testing import browser_staff_login


@pytest.fixture
def world(transactional_db: None) -> Any:
    from onewindow.supervision.testing import World

    return World()


def _login(page: Any, username: str) -> None:
    browser_staff_login(page, None, username)
    expect(page).to_have_url(re.compile(r"/staff/$"))


def test_a_decision_is_claimed_answered_and_seen_by_the_bureau(page: Any, world: Any) -> None:
    liaison, approver = world.user("liaison"), world.user("approver")
    case = world.decided(world.food)  # the approver's decision: the handoff is written with it

    _login(page, liaison.username)
    page.goto("/supervision/inbox/")
    row = page.locator("#handoffs tbody tr", has_text=case.number)
    expect(row).to_contain_text("准予许可")
    expect(row).to_contain_text("待认领")
    row.get_by_role("button", name="认领").click()

    expect(page.locator(".staff-banners .message")).to_contain_text("已认领")
    expect(page.locator("h1")).to_contain_text("食品经营许可")
    page.get_by_label("反馈类型").select_option(label="现场检查")
    page.get_by_label("内容", exact=True).fill("现场检查：后厨布局合理，从业人员持有效健康证明。")
    page.get_by_label("检查日期").fill(dt.date.today().isoformat())
    page.get_by_label("后续措施").fill("纳入年度双随机抽查")
    page.get_by_role("button", name="提交反馈").click()
    expect(page.locator(".staff-banners .message")).to_contain_text("监管反馈已提交")
    expect(page.locator("#feedback")).to_contain_text("后厨布局合理")
    page.get_by_role("button", name="退出").click()

    _login(page, approver.username)
    page.goto(f"/supervision/cases/{case.number}/")
    section = page.locator("#supervision")
    expect(section).to_contain_text("测试县市场监督管理局")
    expect(section).to_contain_text("已认领")
    expect(section).to_contain_text("现场检查：后厨布局合理")
    expect(section).to_contain_text("纳入年度双随机抽查")

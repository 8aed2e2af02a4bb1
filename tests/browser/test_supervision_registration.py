"""双告知 in the browser: a business registration, once accepted, shows the notice of the post-registration
permits for the declared scope; the clerk downloads it and records the applicant's signed promise."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from onewindow.testing import browser_staff_login


@pytest.fixture
def world(transactional_db: None) -> Any:
    from onewindow.supervision.testing import World

    return World()


def test_an_accepted_registration_shows_the_dual_notice(page: Any, world: Any, tmp_path: Any) -> None:
    from onewindow.supervision.testing import enterprise

    clerk = world.user("clerk")
    case = world.accepted(world.registration, applicant=enterprise(),
                          form_data={"business_scope": "餐饮服务；美容美发；卷烟零售"})

    browser_staff_login(page, None, clerk.username)
    expect(page).to_have_url(re.compile(r"/staff/$"))

    page.goto(f"/supervision/registrations/{case.number}/")
    expect(page.locator("h1")).to_have_text("企业登记“双告知”")
    permits = page.locator("#permits tbody tr")
    expect(permits).to_have_count(3)
    expect(permits.nth(0)).to_contain_text("食品经营许可")
    expect(permits.nth(1)).to_contain_text("公共场所卫生许可")
    expect(permits.nth(1)).to_contain_text("测试县卫生健康局")
    expect(permits.nth(2)).to_contain_text("烟草专卖零售许可")
    expect(permits.nth(2)).to_contain_text("认领池")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载告知书").click()
    target = tmp_path / "notice.pdf"
    download_info.value.save_as(target)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(target).pages))
    for phrase in ("双告知", "承诺书", "食品经营许可", "公共场所卫生许可", "烟草专卖零售许可", case.number):
        assert phrase in text, phrase

    page.get_by_label("签署人（申请人或法定代表人）").fill("李四")
    page.get_by_label("申请人已阅读告知书并在承诺书上签字").check()
    page.get_by_role("button", name="记录已签署").click()
    expect(page.locator(".staff-banners .message")).to_contain_text("已记录申请人签署的承诺书")
    expect(page.locator("#dual-notice")).to_contain_text("已签署")
    expect(page.locator("#dual-notice")).to_contain_text("李四")

"""A catalog administrator edits an item and publishes; applicants see the new version, the old one stays."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from onewindow.testing import browser_staff_login


def test_publishing_from_the_admin_makes_v2_current_and_keeps_v1_readable(
    page: Any, catalog: dict[str, Any], catalog_admin: Any,
) -> None:
    item = catalog["licence"]
    code = item.implementation_code

    browser_staff_login(page, None, catalog_admin.username, next_url="/admin/")
    expect(page.locator("#user-tools")).to_contain_text(catalog_admin.username)

    page.goto(f"/admin/catalog/serviceitem/{item.pk}/change/")
    page.locator("#id_promised_days").fill("3")
    page.locator("#id_place").fill("县政务服务中心三楼企业开办专区")
    page.locator("#id_materials-0-name").fill("营业执照副本复印件")
    page.locator("#id_change_note").fill("迁入企业开办专区")
    page.locator("#publish-button").click()

    expect(page.locator(".messagelist li", has_text="已发布办事指南第 2 版")).to_be_visible()

    page.goto(f"/guide/{code}/")
    expect(page.locator("main")).to_contain_text("办事指南第 2 版")
    expect(page.locator("table.facts")).to_contain_text("承诺 3 个工作日（法定 15 个工作日）")
    expect(page.locator("table.facts")).to_contain_text("县政务服务中心三楼企业开办专区")
    expect(page.locator("table.materials")).to_contain_text("营业执照副本复印件")
    expect(page.locator(".version-note")).to_have_count(0)
    expect(page.locator("#versions")).to_contain_text("第 1 版")

    page.goto(f"/guide/{code}/v1/")
    expect(page.locator(".version-note")).to_contain_text("历史版本")
    expect(page.locator("table.facts")).to_contain_text("承诺 1 个工作日")
    expect(page.locator("table.facts")).to_contain_text("县政务服务中心一楼A区3号窗口")
    expect(page.locator("table.materials")).not_to_contain_text("副本")
    page.get_by_role("link", name="查看现行版本").click()
    expect(page).to_have_url(re.compile(rf"/guide/{code}/$"))
    expect(page.locator("table.facts")).to_contain_text("县政务服务中心三楼企业开办专区")

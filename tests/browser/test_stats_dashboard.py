"""Leaders' statistics in the browser: the leader opens the dashboard from the header, drills down from the
county to a centre to an item, and exports the table to Excel, which is read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from onewindow.testing import browser_staff_login

START = dt.date(2026, 3, 2)


@pytest.fixture
def world(transactional_db: None) -> Any:
    from onewindow.stats.testing import StatsWorld, aware, random_activity

    w = StatsWorld()
    # A live-server test commits: as in production, each change only queues its backlog row for the worker.
    random_activity(w, random.Random(4), 60, aware(START, 8))
    return w


def test_the_leader_drills_down_and_exports_to_excel(page: Any, world: Any) -> None:
    from openpyxl import load_workbook

    from onewindow.org.choices import Role
    from onewindow.stats.models import StatBacklog
    from onewindow.testing import make_user

    assert StatBacklog.objects.exists()  # no worker runs here: the dashboard must fold it before reading
    leader = make_user("leader_zhou", Role.LEADER)
    browser_staff_login(page, None, leader.username)  # password + TOTP, as every staff member logs in
    expect(page).to_have_url(re.compile(r"/staff/$"))
    page.get_by_role("link", name="统计分析").click()
    expect(page.locator("h1")).to_contain_text("统计分析")
    page.locator("select[name=period]").select_option("year")
    page.locator("input[name=on]").fill(START.isoformat())
    page.get_by_role("button", name="查询").click()
    table = page.locator("#stats-breakdown")
    expect(table).to_contain_text(world.township.name)
    expect(page.locator("#chart-trend")).to_be_visible()
    assert not StatBacklog.objects.exists()

    table.get_by_role("link", name=world.county.name).click()  # county centre → its items
    expect(page.locator(".stats-crumbs")).to_contain_text(world.county.name)
    expect(table).to_contain_text("食品经营许可")
    table.get_by_role("link", name="食品经营许可").click()  # item → the staff who handled it
    expect(page.locator(".stats-crumbs")).to_contain_text("食品经营许可")
    expect(page.locator("select[name=by]")).to_have_value("staff")

    with page.expect_download() as info:
        page.locator("[data-export]").click()
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert book.sheetnames == ["总体", "工作人员", "趋势"]
    assert book["总体"]["A3"].value == "收件量"
    rows = list(book["工作人员"].iter_rows(min_row=2, values_only=True))
    assert rows and sum(r[1] for r in rows) == book["总体"]["A4"].value  # staff rows add up to the total

"""An applicant finds an item from the home page: by pinyin initials, by Chinese words, as they type."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect


def test_yyzz_on_the_home_page_finds_the_business_licence_item_first(page: Any, catalog: dict[str, Any]) -> None:
    page.goto("/")
    page.get_by_role("searchbox").fill("yyzz")
    page.get_by_role("button", name="搜索").click()

    expect(page).to_have_url(re.compile(r"/items/\?q=yyzz$"))
    titles = page.locator("#results a.title")
    expect(titles.first).to_have_text("企业设立登记")
    expect(titles).to_have_count(1)  # the food item only mentions a licence copy among its materials


def test_chinese_words_find_the_food_item(page: Any, catalog: dict[str, Any]) -> None:
    page.goto("/")
    page.get_by_role("searchbox").fill("食品")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("“食品”的搜索结果")
    expect(page.locator("#results a.title").first).to_have_text("食品经营许可")
    expect(page.locator("#results")).not_to_contain_text("企业设立登记")


def test_results_update_as_you_type_without_a_page_load(page: Any, catalog: dict[str, Any]) -> None:
    page.goto("/items/")
    expect(page.locator("#results a.title")).to_have_count(2)
    # A full navigation would wipe this marker; an htmx swap keeps it.
    page.evaluate("window.__sameDocument = true")

    page.locator("#q").press_sequentially("食品", delay=30)

    expect(page.locator("#results a.title")).to_have_count(1)
    expect(page.locator("#results a.title")).to_have_text("食品经营许可")
    expect(page).to_have_url(re.compile(r"/items/\?q=%E9%A3%9F%E5%93%81"))  # hx-push-url keeps the query shareable
    assert page.evaluate("window.__sameDocument") is True
    expect(page.locator("h1")).to_have_count(1)  # the partial was swapped in, not a whole page nested inside

    page.locator("#q").fill("yyzz")
    expect(page.locator("#results a.title")).to_have_text(["企业设立登记"])
    assert page.evaluate("window.__sameDocument") is True

"""Elder mode (长辈版) is large and sticks across pages; the main journey works from the keyboard alone."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect


def _body_font_px(page: Any) -> float:
    return float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)"))


def test_the_elder_switch_enlarges_text_and_stays_on_across_pages(page: Any, catalog: dict[str, Any]) -> None:
    page.goto("/")
    expect(page.locator("body")).not_to_have_class(re.compile(r"\belder\b"))
    assert _body_font_px(page) < 24

    page.locator("#elder-toggle").click()

    expect(page.locator("body")).to_have_class(re.compile(r"\belder\b"))
    assert _body_font_px(page) >= 24
    expect(page.locator("#elder-toggle")).to_have_text("标准版")
    expect(page.locator("#elder-toggle")).to_have_attribute("aria-pressed", "true")

    page.goto(f"/guide/{catalog['food'].implementation_code}/")
    expect(page.locator("body")).to_have_class(re.compile(r"\belder\b"))
    assert _body_font_px(page) >= 24

    page.locator("#elder-toggle").click()  # and back: the switch returns to the same page
    expect(page).to_have_url(re.compile(rf"/guide/{catalog['food'].implementation_code}/$"))
    expect(page.locator("body")).not_to_have_class(re.compile(r"\belder\b"))


def test_keyboard_only_skip_link_first_then_search_with_enter(page: Any, catalog: dict[str, Any]) -> None:
    page.goto("/")

    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_class("skip-link")
    expect(focused).to_be_in_viewport()  # visible while focused, not parked off-screen

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#q")).to_be_focused()

    page.keyboard.type("yyzz")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/items/\?q=yyzz$"))
    expect(page.locator("#results a.title").first).to_have_text("企业设立登记")

"""A clerk logs in with a password and a TOTP code; repeated failures lock the account (and the lock says so).
Every page visited here must pass the Content-Security-Policy (no violation reported by the browser)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect


@pytest.fixture
def clerk(transactional_db: None) -> Any:
    from onewindow.testing import Role, make_county, make_user

    county = make_county()
    return make_user("clerk", Role.CLERK, centre=county)


def test_a_clerk_logs_in_with_password_and_totp(page: Any, live_server: Any, clerk: Any) -> None:
    from onewindow.testing import browser_staff_login

    browser_staff_login(page, live_server, "clerk")
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.locator(".staff-user")).to_contain_text("clerk")


def test_a_new_clerk_enrols_with_the_qr_code(page: Any, live_server: Any, clerk: Any) -> None:
    import base64

    from django_otp.oath import TOTP

    from onewindow.testing import PASSWORD

    page.goto("/accounts/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    expect(page).to_have_url(re.compile(r"/accounts/login/enrol/$"))
    expect(page.locator(".totp-qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.fill("#id_code", f"{TOTP(base64.b32decode(secret)).token():06d}")
    page.press("#id_code", "Enter")
    expect(page).to_have_url(re.compile(r"/staff/$"))


def test_a_clerk_is_locked_out_after_repeated_failures(page: Any, live_server: Any, clerk: Any) -> None:
    from onewindow.testing import PASSWORD

    for _ in range(4):
        page.goto("/accounts/login/")
        page.fill("#id_username", "clerk")
        page.fill("#id_password", "Wrong-pass-1")
        page.press("#id_password", "Enter")
        expect(page.locator(".error-summary")).to_contain_text("用户名或密码不正确")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", "Wrong-pass-1")
    page.press("#id_password", "Enter")
    expect(page.locator(".error-summary")).to_contain_text("已锁定")
    # Now even the right password is refused until an administrator unlocks or the lock runs out.
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    expect(page.locator(".error-summary")).to_contain_text("已锁定")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))

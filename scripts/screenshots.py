"""Take the README screenshots from a running OneWindow server with Debian's Chromium.

    .venv/bin/python scripts/screenshots.py --base-url http://127.0.0.1:8000

Writes PNGs into docs/screenshots/: home, search results for "yyzz", the first result's guide,
elder mode (长辈版), the admin's item change page (logged in as the demo catalog administrator), the staff
login's second step (TOTP), the leaders' statistics dashboard (as the demo leader) and the calling board,
all at 1280x900, and the guide at 390x844 as a phone sees it. Staff log in with the demo TOTP secret
(ONEWINDOW_DEMO_TOTP_KEY, the demo default unless --totp-key is given). A page that can't be reached is
skipped with a message; the exit status is 1 only if nothing at all could be taken.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}


class Skip(Exception):
    """This page can't be shown (not reachable, not found, not permitted)."""


def _goto(page: Any, url: str) -> None:
    response = page.goto(url, wait_until="load")
    if response is None or response.status >= 400:
        raise Skip(f"{url} answered {response.status if response else 'nothing'}")


def totp(hex_key: str, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 (SHA-1), as django-otp's TOTP devices compute it."""
    counter = struct.pack(">Q", int(time.time()) // step)
    digest = hmac.new(bytes.fromhex(hex_key), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="the running server")
    parser.add_argument("--username", default="catalog_admin", help="a catalog administrator's username")
    parser.add_argument("--password", default="demo-2026-OW", help="that administrator's password")
    parser.add_argument("--totp-key", default="3132333435363738393031323334353637383930",
                        help="the demo staff's TOTP key (hex), settings.ONEWINDOW_DEMO_TOTP_KEY")
    parser.add_argument("--query", default="yyzz", help="what to search for")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="output folder")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the Chromium executable")
    args = parser.parse_args(argv)
    base = args.base_url.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    taken: list[str] = []
    guide_url: list[str] = []  # found on the results page, used by later shots

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)

        def shot(name: str, take: Callable[[Any], None], viewport: dict[str, int] = DESKTOP) -> None:
            context = browser.new_context(base_url=base, locale="zh-CN", viewport=viewport,
                                          is_mobile=viewport is MOBILE, has_touch=viewport is MOBILE)
            context.set_default_timeout(15_000)
            page = context.new_page()
            try:
                take(page)
                path = args.out / f"{name}.png"
                page.screenshot(path=str(path))
                taken.append(name)
                print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
            except (Skip, PlaywrightError) as exc:
                print(f"skipped {name}: {str(exc).splitlines()[0]}", file=sys.stderr)
            finally:
                context.close()

        def home(page: Any) -> None:
            _goto(page, "/")

        def results(page: Any) -> None:
            _goto(page, f"/items/?q={quote(args.query)}")
            first = page.locator("#results a.title").first
            if first.count() == 0:
                raise Skip(f"no results for {args.query!r}")
            guide_url.append(first.get_attribute("href"))

        def guide(page: Any) -> None:
            if not guide_url:
                raise Skip("no guide found from the search")
            _goto(page, guide_url[0])

        def elder(page: Any) -> None:
            _goto(page, "/")
            page.locator("#elder-toggle").click()  # as a person would: the switch sets a cookie and reloads
            page.wait_for_selector("body.elder")

        def staff_login(page: Any, username: str, stop_at_code: bool = False) -> None:
            _goto(page, "/accounts/login/")
            page.locator("#id_username").fill(username)
            page.locator("#id_password").fill(args.password)
            page.locator("#id_password").press("Enter")
            page.wait_for_url(lambda url: "/accounts/login/verify/" in url or "/accounts/login/enrol/" in url)
            if stop_at_code:
                return
            page.locator("#id_code").fill(totp(args.totp_key))
            page.locator("#id_code").press("Enter")
            page.wait_for_url(lambda url: "/accounts/login" not in url)

        def login_verify(page: Any) -> None:
            staff_login(page, "clerk", stop_at_code=True)

        def admin_item(page: Any) -> None:
            staff_login(page, args.username)
            code = guide_url[0].strip("/").split("/")[1] if guide_url else ""
            _goto(page, f"/admin/catalog/serviceitem/?q={quote(code)}")
            link = page.locator("#result_list tbody th a").first
            if link.count() == 0:
                raise Skip("no item in the admin list")
            link.click()
            page.wait_for_selector("#publish-button")

        def stats(page: Any) -> None:
            staff_login(page, "leader")
            _goto(page, "/staff/stats/?period=year")
            page.wait_for_selector("#stats-breakdown")
            page.wait_for_timeout(800)  # let the charts draw

        def board(page: Any) -> None:
            _goto(page, "/hall/")
            link = page.locator("a[href*='/board/']").first
            if link.count() == 0:
                raise Skip("no calling board linked from /hall/")
            _goto(page, link.get_attribute("href"))

        shot("home", home)
        shot("search-yyzz" if args.query == "yyzz" else "search", results)
        shot("guide", guide)
        shot("home-elder", elder)
        shot("admin-item-change", admin_item)
        shot("guide-mobile", guide, viewport=MOBILE)
        shot("login-totp", login_verify)
        shot("stats-dashboard", stats)
        shot("hall-board", board)
        browser.close()

    print(f"{len(taken)} screenshot(s) in {args.out}")
    return 0 if taken else 1


if __name__ == "__main__":
    sys.exit(main())

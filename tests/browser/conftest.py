"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

Every test here is marked `browser`. Without /usr/bin/chromium the folder is skipped with a reason,
unless REQUIRE_BROWSER=1 — then it fails, so CI can't pass by skipping. (Playwright the Python package is a
test dependency like pytest; the browser is the system's, never downloaded.)
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an asyncio loop in the test thread; Django would otherwise refuse ORM calls
# made from that thread (the fixtures build data there) as "async unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000
# Each test's setup/call/teardown reports, so the page fixture knows whether to keep a screenshot.
_reports_key = pytest.StashKey[dict[str, pytest.TestReport]]()


def _unavailable_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def _required() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items; only touch the ones in this folder.
    reason = _unavailable_reason()
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            if reason and not _required():
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    item.stash.setdefault(_reports_key, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _unavailable_reason()
    if reason:
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)  # assertions wait as long as actions do
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh browser context (own cookies and cache) pointed at the live server.

    Uncaught JavaScript errors fail the test: a broken script is a broken page for someone.
    """
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    pg = context.new_page()
    js_errors: list[str] = []
    pg.on("pageerror", lambda exc: js_errors.append(str(exc)))
    yield pg
    reports = request.node.stash.get(_reports_key, {})
    if any(r.failed for r in reports.values()):
        artifacts = Path(request.config.rootpath) / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        try:
            pg.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
        except Exception as exc:  # a failed screenshot must not hide the real failure
            print(f"could not save failure screenshot: {exc}")
    context.close()
    assert not js_errors, f"JavaScript errors on the page: {js_errors}"


@pytest.fixture
def open_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """More pages, each in its own browser context (a kiosk, the board and a clerk are three devices), with the
    same rule as the `page` fixture: an uncaught JavaScript error fails the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make() -> Any:
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        pg = context.new_page()
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        return pg

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def catalog(transactional_db: None) -> dict[str, Any]:
    """A county with one bureau and two published items, built through the product's services."""
    from onewindow.testing import make_county, make_department, make_item

    make_county()
    bureau = make_department(seed=1, name="测试县市场监督管理局")
    licence = make_item(
        bureau, basic_code="000201001000", name="企业设立登记", result_name="营业执照",
        keywords="开办企业 公司注册 办执照", promised_days=1, statutory_days=15, materials=3,
        place="县政务服务中心一楼A区3号窗口", county_wide=True,
    )
    food = make_item(
        bureau, basic_code="000123456000", name="食品经营许可", result_name="食品经营许可证",
        keywords="餐饮 小卖部", promised_days=5, statutory_days=20, materials=2,
        place="县政务服务中心二楼B区",
    )
    return {"bureau": bureau, "licence": licence, "food": food}


@pytest.fixture
def catalog_admin(transactional_db: None) -> Any:
    from onewindow.testing import Role, make_user

    return make_user("catalog_admin", Role.CATALOG_ADMIN)

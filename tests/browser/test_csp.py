"""The Content-Security-Policy is real: the main public, applicant, staff and admin pages load without a single
CSP violation (inline scripts and styles carry the response's nonce; nothing needs eval or a foreign origin)."""

from __future__ import annotations

from typing import Any

import pytest

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""

PUBLIC_PAGES = ["/", "/items/", "/track/", "/my/login/", "/my/register/", "/yjs/", "/hall/", "/hall/book/",
                "/accounts/login/", "/api/v1/docs/"]
STAFF_PAGES = ["/staff/", "/staff/intake/", "/staff/inbox/", "/staff/cases/", "/hall/window/", "/hall/stats/",
               "/ratings/dashboard/", "/staff/yjs/", "/messages/", "/webhooks/", "/staff/security/access/",
               "/supervision/inbox/", "/admin/", "/admin/catalog/serviceitem/", "/admin/security/lockout/"]


@pytest.fixture
def world(catalog: dict[str, Any]) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from onewindow.hall.testing import make_window
    from onewindow.org.models import ServiceCentre
    from onewindow.testing import PASSWORD

    county = ServiceCentre.objects.get(parent__isnull=True)
    make_window(county, "1")
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    return {**catalog, "county": county, "root": root}


def _visit(page: Any, path: str, violations: list[str], console: list[str]) -> None:
    response = page.goto(path)
    assert response is not None and response.status < 400, f"{path}: {response.status if response else 'no response'}"
    page.wait_for_load_state("networkidle")
    found = page.evaluate("window.__cspViolations")
    violations.extend(f"{path}: {v}" for v in found)
    header = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in header, f"{path} has no CSP header"


def test_main_pages_pass_the_csp(page: Any, live_server: Any, world: dict[str, Any]) -> None:
    from onewindow.testing import browser_staff_login

    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.add_init_script(WATCH)
    violations: list[str] = []
    county = world["county"]
    code = world["licence"].implementation_code
    for path in [*PUBLIC_PAGES, f"/guide/{code}/", f"/hall/{county.code}/kiosk/", f"/hall/{county.code}/board/"]:
        _visit(page, path, violations, console)
    browser_staff_login(page, live_server, "root")
    for path in STAFF_PAGES:
        _visit(page, path, violations, console)
    assert not violations and not console, "\n".join(violations + console)

"""Shared test setup for the whole suite."""

from __future__ import annotations

import logging
import os
import sys

import pytest

os.environ.setdefault("ONEWINDOW_TESTING", "1")


@pytest.fixture(autouse=True)
def _fresh_process_caches(request):
    """Tests roll their transactions back, so per-process caches filled inside one test must not leak into
    the next: the working-day calendar and the default cache (rate limits, warnings)."""
    from django.core.cache import cache

    from onewindow.testing import ensure_calendar_seeded
    from onewindow.workdays.calendar import clear_calendar_cache

    clear_calendar_cache()
    cache.clear()
    if request.node.get_closest_marker("real_2fa") is None:
        # client.login / force_login give staff a two-factor-verified session (tests/browser log in for real with
        # onewindow.testing.browser_staff_login; tests marked real_2fa see the bare password-only session).
        from django.contrib.auth.signals import user_logged_in

        from onewindow.testing import mark_second_factor_verified

        def _verified(sender, request, user, **kwargs):  # type: ignore[no-untyped-def]
            # django.test.Client builds a bare HttpRequest (no method) for login() and force_login();
            # a request served by a view always has one, so a real login is never helped.
            if request is not None and request.method is None:
                mark_second_factor_verified(request, user)

        user_logged_in.connect(_verified, weak=False, dispatch_uid="tests_second_factor")
        request.addfinalizer(lambda: user_logged_in.disconnect(dispatch_uid="tests_second_factor"))
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker or {"db", "transactional_db", "live_server"} & names:
        transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
            {"transactional_db", "live_server"} & names)
        request.getfixturevalue("transactional_db" if transactional else "db")
        ensure_calendar_seeded()
    yield
    clear_calendar_cache()


# ---- No full ID number or mobile number in the logs (docs/privacy.md) ----
# Every log record of the whole run goes through a handler carrying the same filters as the configured console
# handler (settings.LOGGING: MaskingLogFilter) and is rendered as it would be written. At the end of the session
# the text is scanned; one plain ID number (valid check digit) or mobile number fails the run, loudly.


class _LogAudit(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.records = 0
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        from onewindow.core.pii import find_plain

        self.records += 1
        line = self.format(record)
        if find_plain(line) and len(self.leaks) < 20:
            self.leaks.append(line[:300])


_log_audit = _LogAudit()


def pytest_sessionstart(session: pytest.Session) -> None:
    from onewindow.core.masking import MaskingLogFilter

    configured = [h for h in logging.getLogger().handlers if any(isinstance(f, MaskingLogFilter) for f in h.filters)]
    if not configured:
        raise pytest.UsageError("settings.LOGGING has no handler with MaskingLogFilter: logs would carry full ID numbers")
    for log_filter in configured[0].filters:
        _log_audit.addFilter(log_filter)
    # First in line, so it sees each record before any other handler's filter has touched it.
    logging.getLogger().handlers.insert(0, _log_audit)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logging.getLogger().removeHandler(_log_audit)
    if _log_audit.leaks:
        lines = "\n  ".join(_log_audit.leaks)
        sys.stderr.write(f"\n\nFULL ID OR MOBILE NUMBERS IN THE LOGS ({len(_log_audit.leaks)} lines):\n  {lines}\n\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

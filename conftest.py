"""Shared test setup for the whole suite."""

from __future__ import annotations

import os

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


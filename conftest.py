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
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker or {"db", "transactional_db", "live_server"} & names:
        transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
            {"transactional_db", "live_server"} & names)
        request.getfixturevalue("transactional_db" if transactional else "db")
        ensure_calendar_seeded()
    yield
    clear_calendar_cache()

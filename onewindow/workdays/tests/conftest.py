"""Fixtures for the calendar tests.

The national calendar is read from the database once per session (the seed migration has
loaded chinese_calendar's years), so hypothesis examples run without touching the database.
Both caches (the per-process calendars and the warnings in Django's cache) are emptied around
every test: a test's rolled-back rows must not survive in a cached calendar.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from onewindow.workdays.calendar import WorkCalendar, invalidate_calendars
from onewindow.workdays.choices import DayKind
from onewindow.workdays.models import CalendarDay, CalendarYear


@pytest.fixture(scope="session")
def national_calendar(django_db_setup, django_db_blocker) -> WorkCalendar:
    with django_db_blocker.unblock():
        from onewindow.testing import ensure_calendar_seeded

        ensure_calendar_seeded()
        return WorkCalendar.from_database()


@pytest.fixture(scope="session")
def calendar_to_2026(django_db_setup, django_db_blocker) -> WorkCalendar:
    """The national calendar as it stood before 2027's schedule was published.

    chinese_calendar will one day ship 2027 and the seed will load it; the provisional-year
    tests must keep testing a year without a schedule all the same.
    """
    with django_db_blocker.unblock():
        from onewindow.testing import ensure_calendar_seeded

        ensure_calendar_seeded()
        known = set(CalendarYear.objects.filter(year__lte=2026).values_list("year", flat=True))
        days = dict(CalendarDay.objects.filter(centre__isnull=True, date__year__lte=2026).values_list("date", "kind"))
    rest = {d for d, kind in days.items() if kind == DayKind.REST}
    work = {d for d, kind in days.items() if kind == DayKind.WORK}
    return WorkCalendar(known, rest, work)


@pytest.fixture
def without_2027_schedule(db) -> None:
    """The database as it stands before 2027's schedule is published (see calendar_to_2026)."""
    CalendarDay.objects.filter(centre__isnull=True, date__year=2027).delete()
    CalendarYear.objects.filter(year=2027).delete()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # make_user sets a password; the production hasher costs half a second per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_calendar_caches():
    cache.clear()
    invalidate_calendars()
    yield
    cache.clear()
    invalidate_calendars()

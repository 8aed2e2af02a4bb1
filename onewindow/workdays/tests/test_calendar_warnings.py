"""Administrators are warned when a year's official schedule is missing, in the admin too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from onewindow.workdays import services
from onewindow.workdays.models import CalendarYear
from onewindow.workdays.selectors import calendar_warnings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_2027_schedule")]

NEAR_YEAR_END = dt.date(2026, 11, 26)


def test_it_warns_near_year_end_that_next_year_is_missing():
    warnings = calendar_warnings(today=NEAR_YEAR_END)

    assert len(warnings) == 1
    assert warnings[0].startswith("2027 年的工作日历尚未导入")


def test_it_does_not_warn_once_next_year_exists():
    CalendarYear.objects.create(year=2027)

    assert calendar_warnings(today=NEAR_YEAR_END) == []


def test_it_does_not_warn_about_next_year_early_in_the_year():
    assert calendar_warnings(today=dt.date(2026, 6, 1)) == []


def test_it_starts_warning_the_configured_number_of_days_before_new_year(settings):
    settings.ONEWINDOW_CALENDAR_WARN_DAYS = 60

    assert calendar_warnings(today=dt.date(2026, 11, 1)) == []  # 61 days left
    assert len(calendar_warnings(today=dt.date(2026, 11, 2))) == 1  # 60 days left


def test_it_warns_that_the_current_year_is_missing():
    warnings = calendar_warnings(today=dt.date(2031, 3, 1))

    assert len(warnings) == 1
    assert warnings[0].startswith("2031 年的工作日历尚未导入，期限按临时日历")


def test_it_stops_warning_right_after_the_missing_year_is_imported(settings):
    settings.ONEWINDOW_CALENDAR_WARN_DAYS = 366  # whatever the date the tests run on
    next_year = timezone.localdate().year + 1
    CalendarYear.objects.filter(year=next_year).delete()
    assert any(w.startswith(f"{next_year} 年") for w in calendar_warnings())

    services.import_year(actor=None, year=next_year, content=f"{next_year}-01-01,rest,元旦\n")

    assert not any(w.startswith(f"{next_year} 年") for w in calendar_warnings())


# -- in the admin ------------------------------------------------------------------------------------


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", password="Root-pass-2026!")


def test_it_shows_the_warning_on_the_admin_index_for_staff(client, superuser, settings):
    settings.ONEWINDOW_CALENDAR_WARN_DAYS = 366
    next_year = timezone.localdate().year + 1
    CalendarYear.objects.filter(year=next_year).delete()
    client.force_login(superuser)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert f"{next_year} 年的工作日历尚未导入" in response.content.decode()


def test_it_shows_the_warning_on_other_admin_pages_too(client, superuser, settings):
    settings.ONEWINDOW_CALENDAR_WARN_DAYS = 366
    next_year = timezone.localdate().year + 1
    CalendarYear.objects.filter(year=next_year).delete()
    client.force_login(superuser)

    response = client.get("/admin/workdays/calendaryear/")

    assert response.status_code == 200
    assert f"{next_year} 年的工作日历尚未导入" in response.content.decode()


def test_it_shows_no_warning_in_the_admin_when_both_years_are_imported(client, superuser):
    this_year = timezone.localdate().year
    for year in (this_year, this_year + 1):
        CalendarYear.objects.get_or_create(year=year)
    client.force_login(superuser)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "工作日历尚未导入" not in response.content.decode()

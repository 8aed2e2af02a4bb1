"""Per-centre calendar days and the calendar cache: a change is seen at once by get_calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from onewindow.audit.models import AuditEvent
from onewindow.testing import make_centre, make_county, make_user
from onewindow.workdays import calendar as wd
from onewindow.workdays import services
from onewindow.workdays.choices import DayKind
from onewindow.workdays.models import CalendarDay

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


@pytest.fixture
def county():
    return make_county()


@pytest.fixture
def township(county):
    return make_centre(county, "town-a")


@pytest.fixture
def catalog_admin():
    return make_user("calendar-keeper", "catalog_admin")


def test_it_changes_only_that_centres_calendar_when_a_centre_rests_on_a_working_day(county, township, catalog_admin):
    services.set_day(actor=catalog_admin, date=D("2026-10-08"), kind=DayKind.REST, name="县庆", centre=county)

    assert wd.is_workday(D("2026-10-08"), county) is False
    assert wd.add_working_days(D("2026-09-30"), 1, county).date == D("2026-10-09")
    assert wd.is_workday(D("2026-10-08")) is True
    assert wd.is_workday(D("2026-10-08"), township) is True
    assert wd.add_working_days(D("2026-09-30"), 1, township).date == D("2026-10-08")


def test_it_lets_a_centre_work_on_a_national_holiday(county, township, catalog_admin):
    services.set_day(actor=catalog_admin, date=D("2026-10-07"), kind=DayKind.WORK, name="值班", centre=township)

    assert wd.add_working_days(D("2026-09-30"), 1, township).date == D("2026-10-07")
    assert wd.add_working_days(D("2026-09-30"), 1, county).date == D("2026-10-08")


def test_it_accepts_a_centre_object_or_its_id(county, catalog_admin):
    services.set_day(actor=catalog_admin, date=D("2026-10-08"), kind=DayKind.REST, centre=county)

    assert wd.get_calendar(county.pk).is_workday(D("2026-10-08")) is False
    assert wd.get_calendar(county).is_workday(D("2026-10-08")) is False


def test_it_serves_the_updated_national_calendar_right_after_set_day(catalog_admin):
    before = wd.get_calendar()
    assert before.is_workday(D("2026-10-09"))

    services.set_day(actor=catalog_admin, date=D("2026-10-09"), kind=DayKind.REST, name="临时休息")

    after = wd.get_calendar()
    assert after is not before
    assert after.is_workday(D("2026-10-09")) is False
    assert wd.add_working_days(D("2026-09-30"), 2).date == D("2026-10-10")


def test_it_serves_the_updated_centre_calendar_right_after_set_day(county, catalog_admin):
    assert wd.get_calendar(county).is_workday(D("2026-11-02"))

    services.set_day(actor=catalog_admin, date=D("2026-11-02"), kind=DayKind.REST, centre=county)

    assert wd.get_calendar(county).is_workday(D("2026-11-02")) is False


def test_it_forgets_a_deleted_day_at_once(county, catalog_admin):
    day = services.set_day(actor=catalog_admin, date=D("2026-11-02"), kind=DayKind.REST, centre=county)
    assert wd.get_calendar(county).is_workday(D("2026-11-02")) is False

    day.delete()

    assert wd.get_calendar(county).is_workday(D("2026-11-02")) is True


@pytest.mark.usefixtures("without_2027_schedule")
def test_it_serves_the_imported_year_right_after_import_year(catalog_admin):
    assert wd.get_calendar().is_provisional(2027)

    services.import_year(actor=catalog_admin, year=2027, content="2027-02-09,rest,春节\n")

    calendar = wd.get_calendar()
    assert not calendar.is_provisional(2027)
    assert calendar.is_workday(D("2027-02-09")) is False


def test_it_updates_a_day_in_place_when_set_twice(county, catalog_admin):
    services.set_day(actor=catalog_admin, date=D("2026-11-02"), kind=DayKind.REST, centre=county)
    services.set_day(actor=catalog_admin, date=D("2026-11-02"), kind=DayKind.WORK, centre=county)

    assert CalendarDay.objects.filter(date=D("2026-11-02"), centre=county).count() == 1
    assert wd.get_calendar(county).is_workday(D("2026-11-02")) is True


def test_it_writes_an_audit_event_with_the_actor_when_a_day_is_set(county, catalog_admin):
    day = services.set_day(actor=catalog_admin, date=D("2026-11-02"), kind=DayKind.REST, centre=county)

    event = AuditEvent.objects.get(action="calendar_day_set")
    assert (event.actor, event.object_type, event.object_id) == (catalog_admin, "workdays.calendarday", str(day.pk))


def test_it_writes_nothing_when_the_kind_is_unknown(county, catalog_admin):
    days, events = CalendarDay.objects.count(), AuditEvent.objects.count()

    with pytest.raises(ValidationError):
        services.set_day(actor=catalog_admin, date=D("2026-11-02"), kind="holiday", centre=county)

    assert (CalendarDay.objects.count(), AuditEvent.objects.count()) == (days, events)
    assert wd.get_calendar(county).is_workday(D("2026-11-02")) is True

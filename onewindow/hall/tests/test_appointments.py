"""Appointments: the booking window, capacity, cancellation, caps, no-show suspension, check-in at the kiosk,
and the weekend (无休日) days. The clock stands at Tuesday 10 March 2026, 09:30."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from onewindow.cases.auth import register_applicant
from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.hall import services
from onewindow.hall.calendar import bookable_days
from onewindow.hall.choices import AppointmentStatus, Priority, TicketStatus
from onewindow.hall.models import AppointmentSlot, BookingPerson
from onewindow.hall.testing import make_hall
from onewindow.outbox.models import OutboxMessage
from onewindow.testing import synthetic_id_number

pytestmark = pytest.mark.django_db

WED = dt.date(2026, 3, 11)


def applicant(n: int):
    return register_applicant(phone=f"1380000{n:04d}", name=f"申请人{n}", password="Pass-word-2026!")


def slot(hall, day=WED, cat="A", index=0):
    return services.ensure_slots(hall.categories[cat], day)[index]


def book(hall, n, the_slot=None, item="food", actor=None, **kw):
    return services.book_appointment(
        actor=actor or applicant(n), slot=the_slot or slot(hall), item=hall.items[item], name=f"申请人{n}",
        cert_number=kw.pop("cert", synthetic_id_number(n)), phone=kw.pop("phone", f"1380000{n:04d}"), **kw)


def test_the_booking_window_is_tomorrow_to_seven_working_days(hall):
    days = bookable_days(hall.categories["A"], dt.date(2026, 3, 10))
    assert days[0] == WED and days[-1] == dt.date(2026, 3, 19) and len(days) == 7
    assert dt.date(2026, 3, 14) not in days  # Saturday
    with pytest.raises(ValidationError, match="至少提前 1 天"):
        book(hall, 1, the_slot=slot(hall, dt.date(2026, 3, 10), index=5))
    with pytest.raises(ValidationError):
        book(hall, 2, the_slot=slot(hall, dt.date(2026, 3, 20)))


def test_a_booking_beyond_capacity_is_refused_with_a_clear_error(hall):
    category = hall.categories["A"]
    category.slot_capacity = 1
    category.save()
    first = book(hall, 1)
    assert first.status == AppointmentStatus.BOOKED and len(first.code) == 8
    with pytest.raises(ConflictError, match="03月11日 09:00–10:00 已约满，请选择其他时段"):
        book(hall, 2)
    assert AppointmentSlot.objects.get(pk=first.slot_id).booked == 1


def test_cancelling_returns_the_slot_to_the_pool_at_once(hall):
    category = hall.categories["A"]
    category.slot_capacity = 1
    category.save()
    owner = applicant(1)
    first = book(hall, 1, actor=owner)
    with pytest.raises(ForbiddenError):
        services.cancel_appointment(actor=applicant(3), appointment=first)
    services.cancel_appointment(actor=owner, appointment=first)
    assert AppointmentSlot.objects.get(pk=first.slot_id).booked == 0
    assert book(hall, 2).slot_id == first.slot_id
    with pytest.raises(ConflictError, match="已取消"):
        services.cancel_appointment(actor=owner, appointment=first)


def test_applicants_cancel_at_least_two_hours_before_staff_any_time_with_a_reason(hall, at):
    owner = applicant(1)
    booked = book(hall, 1, actor=owner)  # Wednesday 09:00
    at.set(dt.datetime(2026, 3, 11, 7, 30))
    with pytest.raises(ConflictError, match="不足 2 小时"):
        services.cancel_appointment(actor=owner, appointment=booked)
    with pytest.raises(ValidationError):
        services.cancel_appointment(actor=hall.clerks["clerk1"], appointment=booked)
    services.cancel_appointment(actor=hall.clerks["clerk1"], appointment=booked, reason="申请人来电，住院")
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED and booked.cancel_reason == "申请人来电，住院"


def test_staff_book_for_applicants_and_strangers_must_log_in(hall):
    from django.contrib.auth.models import AnonymousUser

    staff_booking = book(hall, 1, actor=hall.clerks["clerk1"])
    assert staff_booking.source == "staff" and staff_booking.user is None
    with pytest.raises(ForbiddenError, match="请先登录"):
        book(hall, 2, actor=AnonymousUser())


def test_one_booking_per_person_item_and_day_and_a_weekly_cap(hall):
    user = applicant(1)
    book(hall, 1, actor=user)
    with pytest.raises(ConflictError, match="同一事项同一天只能预约"):
        book(hall, 1, actor=user, the_slot=slot(hall, index=2))
    book(hall, 1, actor=user, item="licence", the_slot=slot(hall, index=3))
    book(hall, 1, actor=user, the_slot=slot(hall, dt.date(2026, 3, 12)))
    with pytest.raises(ConflictError, match="每周最多预约 3 次"):
        book(hall, 1, actor=user, the_slot=slot(hall, dt.date(2026, 3, 13)))
    # The same phone with another ID number counts too; next week is a new week.
    with pytest.raises(ConflictError, match="每周"):
        book(hall, 9, the_slot=slot(hall, dt.date(2026, 3, 13)), phone="13800000001")
    book(hall, 1, actor=user, the_slot=slot(hall, dt.date(2026, 3, 16)))


def test_invalid_details_are_explained_per_field(hall):
    with pytest.raises(ValidationError) as err:
        book(hall, 1, cert="12345", phone="110")
    assert {"cert_number", "phone"} <= set(err.value.message_dict)
    with pytest.raises(ValidationError, match="不在所选类别"):
        book(hall, 2, item="estate")


def test_booking_queues_an_sms_and_a_reminder_the_day_before(hall, at):
    booked = book(hall, 1)
    sms = OutboxMessage.objects.get(topic="hall.booked")
    assert booked.code in sms.payload["text"] and sms.destination == "13800000001"
    at.set(dt.datetime(2026, 3, 10, 17, 0))
    assert services.send_reminders(actor=None, day=WED) == 1
    assert services.send_reminders(actor=None, day=WED) == 0
    assert OutboxMessage.objects.filter(topic="hall.reminder").count() == 1


def test_two_no_shows_suspend_booking_but_never_walk_in_tickets(hall, at):
    user = applicant(1)
    book(hall, 1, actor=user)
    book(hall, 1, actor=user, the_slot=slot(hall, dt.date(2026, 3, 12)))
    at.set(dt.datetime(2026, 3, 11, 21, 0))
    services.close_day(actor=None, centre=hall.centre)
    at.set(dt.datetime(2026, 3, 12, 21, 0))
    archive = services.close_day(actor=None, centre=hall.centre)
    assert archive.summary["suspensions"] == 2  # the ID key and the phone key
    person = BookingPerson.objects.get(key=services.id_key_of(synthetic_id_number(1)))
    assert person.suspended_until == dt.date(2026, 3, 12) + dt.timedelta(days=90)
    with pytest.raises(ConflictError, match="暂停至 2026-06-10"):
        book(hall, 1, actor=user, the_slot=slot(hall, dt.date(2026, 3, 16)))
    ticket = services.issue_ticket(actor=None, category=hall.categories["A"], cert_number=synthetic_id_number(1))
    assert ticket.status == TicketStatus.WAITING


def test_checking_in_puts_the_applicant_ahead_of_earlier_walk_ins(hall, at, take):
    booked = book(hall, 1, the_slot=slot(hall, index=1))  # Wednesday 10:00–11:00
    at.set(dt.datetime(2026, 3, 11, 8, 50))
    walk_in = services.issue_ticket(actor=None, category=hall.categories["A"])
    with pytest.raises(ConflictError, match="请于 09:00 后签到"):
        services.check_in(actor=None, centre=hall.centre, code=booked.code)
    with pytest.raises(ValidationError, match="没有找到该预约码"):
        services.check_in(actor=None, centre=hall.centre, code="00000000")
    at.set(dt.datetime(2026, 3, 11, 9, 55))
    ticket = services.check_in(actor=None, centre=hall.centre, code=booked.code)
    assert ticket.priority == Priority.APPOINTMENT and ticket.appointment == booked
    assert services.check_in(actor=None, centre=hall.centre, code=booked.code) == ticket  # a second tap
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CHECKED_IN
    assert services.call_next(actor=hall.clerks["clerk1"], window=take()) == ticket
    assert walk_in.rank > ticket.rank


def test_checking_in_after_taking_a_walk_in_ticket_upgrades_it(hall, at):
    booked = book(hall, 1)
    at.set(dt.datetime(2026, 3, 11, 9, 0))
    walk_in = services.issue_ticket(actor=None, category=hall.categories["A"], phone="13800000001")
    ticket = services.check_in(actor=None, centre=hall.centre, code=booked.code)
    assert ticket == walk_in and ticket.priority == Priority.APPOINTMENT


def test_late_arrivals_are_told_to_take_a_walk_in_ticket(hall, at):
    booked = book(hall, 1)
    at.set(dt.datetime(2026, 3, 11, 11, 0))
    with pytest.raises(ConflictError, match="请直接取号"):
        services.check_in(actor=None, centre=hall.centre, code=booked.code)


@pytest.mark.parametrize("when, included, excluded", [
    # A weekend service centre opens on ordinary weekends for categories with weekend items …
    (dt.date(2026, 3, 10), [dt.date(2026, 3, 14), dt.date(2026, 3, 15)], []),
    # … never on a statutory holiday (劳动节 1–5 May); the make-up Saturday 9 May is a working day.
    (dt.date(2026, 4, 28), [dt.date(2026, 5, 9), dt.date(2026, 5, 10)], [dt.date(2026, 5, 2), dt.date(2026, 5, 3)]),
])
def test_weekend_service_days_honour_the_holiday_calendar(db, at, when, included, excluded):
    at.set(dt.datetime.combine(when, dt.time(9)))
    hall = make_hall(weekend_service=True)
    weekend = bookable_days(hall.categories["B"], when)
    weekday_only = bookable_days(hall.categories["A"], when)
    for day in included:
        assert day in weekend
    for day in excluded:
        assert day not in weekend
    assert all(d.weekday() < 5 or d == dt.date(2026, 5, 9) for d in weekday_only)

"""Console commands (close-day, remind, setup, ratings invite), the window tablet, and the admin screens."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from onewindow.cases.auth import register_applicant
from onewindow.hall import services
from onewindow.hall.choices import AppointmentStatus, TicketStatus
from onewindow.hall.models import Appointment, QueueCategory, QueueDay, Ticket
from onewindow.ratings.models import Rating
from onewindow.testing import PASSWORD, make_county, synthetic_id_number

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_close_day_and_remind_commands(hall, at):
    user = register_applicant(phone="13800000011", name="吴一", password=PASSWORD)
    slot = services.ensure_slots(hall.categories["A"], dt.date(2026, 3, 11))[0]
    appt = services.book_appointment(actor=user, slot=slot, item=hall.items["food"], name="吴一",
                                     cert_number=synthetic_id_number(11), phone="13800000011")
    assert "reminded 1 appointment(s) for 2026-03-11" in run("hall", "remind")
    services.issue_ticket(actor=None, category=hall.categories["A"])
    at.set(dt.datetime(2026, 3, 11, 22, 0))
    out = run("hall", "close-day")
    assert f"{hall.centre.code} 2026-03-11: tickets=0 closed=1 no_show_bookings=1" in out  # yesterday's ticket too
    assert Ticket.objects.get().status == TicketStatus.CLOSED
    assert Appointment.objects.get(pk=appt.pk).status == AppointmentStatus.NO_SHOW
    assert QueueDay.objects.filter(day=dt.date(2026, 3, 11)).exists()
    assert "nothing to close" in run("hall", "close-day", "--date", "2026-03-12")


def test_setup_gives_a_new_centre_a_first_queue(db):
    from onewindow.hall.testing import make_window
    from onewindow.testing import make_department, make_item

    centre = make_county()
    make_item(make_department(), name="食品经营许可")
    make_window(centre, "1")
    assert "A 综合业务 (1 items)" in run("hall", "setup")
    run("hall", "setup", centre.code)
    assert QueueCategory.objects.count() == 1


def test_ratings_invite_command(hall):
    from onewindow.ratings.tests.conftest import make_case

    make_case(hall)
    assert "invited first=1 again=0" in run("ratings", "invite")


def test_the_window_tablet_rates_the_last_visit(hall, take):
    clerk = hall.clerks["clerk1"]
    client = Client()
    client.force_login(clerk)
    window = take()
    url = f"/hall/window/{window.pk}/tablet/"
    assert "办理完成后请在这里评价" in client.get(url).content.decode()
    ticket = services.issue_ticket(actor=None, category=hall.categories["A"])
    services.call_next(actor=clerk, window=window)
    services.finish_service(actor=clerk, window=window)
    state = client.get(url + "state/", {"shown": ""})
    assert state.status_code == 200 and state["HX-Refresh"] == "true"
    assert "A001 号，请对本次服务进行评价" in client.get(url).content.decode()
    thanks = client.post(url, {"ticket": ticket.pk, "stars": "4"})
    assert "感谢您的评价" in thanks.content.decode()
    rating = Rating.objects.get()
    assert (rating.level, rating.channel) == (2, "tablet")
    assert client.get(url + "state/", {"shown": ""}).status_code == 204


def test_admin_screens_render(hall, take):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    services.issue_ticket(actor=None, category=hall.categories["A"])
    client = Client()
    client.force_login(admin)
    for path in ["queuecategory", "hallwindow", "appointmentslot", "appointment", "ticket", "keyenterprise",
                 "queueday", "hallconfig"]:
        assert client.get(f"/admin/hall/{path}/").status_code == 200, path
    for path in ["rating", "followup"]:
        assert client.get(f"/admin/ratings/{path}/").status_code == 200, path
    response = client.post("/admin/hall/keyenterprise/add/", {"name": "重点企业乙", "is_active": "on",
                                                                "credit_code": "bad"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()

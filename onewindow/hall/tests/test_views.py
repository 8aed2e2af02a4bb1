"""The hall's screens through the test client: kiosk, board feed, ticket page, window console, booking,
weekend schedule and statistics."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from onewindow.cases.auth import register_applicant
from onewindow.hall import services
from onewindow.hall.choices import TicketStatus
from onewindow.hall.models import Appointment, Ticket
from onewindow.testing import PASSWORD, synthetic_id_number

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_kiosk_issues_a_ticket_with_a_qr_code_and_an_estimate(hall):
    client = Client()
    page = client.get(f"/hall/{hall.centre.code}/kiosk/")
    assert page.status_code == 200 and "综合业务" in page.content.decode()
    response = client.post(f"/hall/{hall.centre.code}/kiosk/", {"category": hall.categories["A"].pk})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/kiosk/ticket/{ticket.token}/")
    body = client.get(response["Location"]).content.decode()
    assert "A001" in body and "<svg" in body and "前面没有人等候" in body


def test_the_kiosk_explains_a_refused_ticket(hall):
    client = Client()
    data = {"category": hall.categories["A"].pk, "phone": "13900000001"}
    client.post(f"/hall/{hall.centre.code}/kiosk/", data)
    again = client.post(f"/hall/{hall.centre.code}/kiosk/", data)
    assert again.status_code == 409 and "无需重复取号" in again.content.decode()
    bad = client.post(f"/hall/{hall.centre.code}/kiosk/", {"category": hall.categories["A"].pk, "cert_number": "1"})
    assert bad.status_code == 400 and "统一社会信用代码" in bad.content.decode()


def test_the_board_feed_answers_204_until_a_call(hall, take):
    client = Client()
    board = client.get(f"/hall/{hall.centre.code}/board/")
    assert board.status_code == 200 and "speechSynthesis" in board.content.decode()
    feed = f"/hall/{hall.centre.code}/board/feed/"
    assert client.get(feed, {"after": 0}).status_code == 204
    services.issue_ticket(actor=None, category=hall.categories["A"])
    services.call_next(actor=hall.clerks["clerk1"], window=take())
    response = client.get(feed, {"after": 0})
    assert response.status_code == 200
    assert 'data-speech="请A001号到1号窗口办理"' in response.content.decode()
    last = int(re.search(r'data-call-id="(\d+)"', response.content.decode()).group(1))
    assert client.get(feed, {"after": last}).status_code == 204
    assert "等候人数" in client.get(feed, {"part": "waiting"}).content.decode()


def test_the_ticket_page_tracks_and_then_rates(hall, take):
    ticket = services.issue_ticket(actor=None, category=hall.categories["A"])
    client = Client()
    assert "即将叫号" in client.get(f"/hall/t/{ticket.token}/").content.decode()
    window = take()
    services.call_next(actor=hall.clerks["clerk1"], window=window)
    assert "请到 1 号窗口办理" in client.get(f"/hall/t/{ticket.token}/status/").content.decode()
    services.finish_service(actor=hall.clerks["clerk1"], window=window)
    page = client.get(f"/hall/t/{ticket.token}/").content.decode()
    assert "请评价本次服务" in page
    bad = client.post(f"/ratings/ticket/{ticket.token}/", {"stars": "1"})
    assert bad.status_code == 400 and "不满意的原因" in bad.content.decode()
    client.post(f"/ratings/ticket/{ticket.token}/", {"stars": "5"})
    assert "非常满意" in client.get(f"/hall/t/{ticket.token}/").content.decode()
    assert client.get("/hall/t/unknown/").status_code == 404


def test_the_window_console_calls_serves_and_links_a_case(hall):
    from onewindow.cases import services as case_services
    from onewindow.testing import person

    clerk = hall.clerks["clerk1"]
    client = login(clerk)
    pick = client.get("/hall/window/")
    assert "使用此窗口" in pick.content.decode()
    one = hall.windows["1"]
    client.post(f"/hall/window/{one.pk}/take/")
    services.issue_ticket(actor=None, category=hall.categories["A"])
    client.post(f"/hall/window/{one.pk}/act/next/")
    page = client.get("/hall/window/").content.decode()
    assert 'id="current-code">A001' in page and "<kbd>F</kbd>" in page
    case = case_services.receive_case(actor=clerk, item=hall.items["food"], applicant=person(3), centre=hall.centre).case
    client.post(f"/hall/window/{one.pk}/act/start/")
    assert case.number in client.get("/hall/window/").content.decode()  # today's cases offered for linking
    response = client.post(f"/hall/window/{one.pk}/act/finish/", {"case": [case.number]}, follow=True)
    assert "已办结，关联办件 1 件" in response.content.decode()
    assert Ticket.objects.get().status == TicketStatus.DONE


def test_console_errors_are_shown_not_raised(hall):
    client = login(hall.clerks["clerk1"])
    one = hall.windows["1"]
    client.post(f"/hall/window/{one.pk}/take/")
    ticket = services.issue_ticket(actor=None, category=hall.categories["A"])
    response = client.post(f"/hall/window/{one.pk}/act/top/", {"ticket": ticket.pk, "reason": ""}, follow=True)
    assert "置顶必须填写理由" in response.content.decode()
    other = login(hall.clerks["clerk2"]).post(f"/hall/window/{one.pk}/take/", follow=True)
    assert "正由 clerk1 使用" in other.content.decode()


def test_applicants_and_strangers_do_not_reach_the_console(hall):
    applicant = register_applicant(phone="13800000077", name="王五", password=PASSWORD)
    assert login(applicant).get("/hall/window/").status_code == 403
    assert Client().get("/hall/window/").status_code == 302


def test_online_booking_from_login_to_confirmation_and_cancel(hall):
    applicant = register_applicant(phone="13800000088", name="赵六", password=PASSWORD)
    item = hall.items["food"]
    url = f"/hall/book/{hall.centre.code}/{item.pk}/"
    assert "/my/login/?next=" in Client().get(url)["Location"]
    assert item.name in Client().get("/hall/book/").content.decode()
    client = login(applicant)
    page = client.get(url).content.decode()
    slot_id = re.search(r'name="slot" value="(\d+)"', page).group(1)
    missing = client.post(url, {"slot": slot_id, "name": "赵六", "cert_number": "", "phone": "13800000088"})
    assert missing.status_code == 400 and 'href="#cert_number"' in missing.content.decode()
    done = client.post(url, {"slot": slot_id, "name": "赵六", "cert_number": synthetic_id_number(8),
                             "phone": "13800000088"})
    appt = Appointment.objects.get()
    assert done["Location"] == f"/hall/appointments/{appt.code}/"
    assert appt.code in client.get(done["Location"]).content.decode()
    assert Client().get(done["Location"]).status_code == 404  # only the owner and hall staff
    assert appt.code in client.get("/hall/my/appointments/").content.decode()
    client.post(f"/hall/appointments/{appt.code}/cancel/")
    appt.refresh_from_db()
    assert appt.status == "cancelled"


def test_staff_book_for_an_applicant(hall):
    client = login(hall.clerks["clerk1"])
    url = f"/hall/book/{hall.centre.code}/{hall.items['food'].pk}/"
    page = client.get(url).content.decode()
    assert "代预约" in page
    slot_id = re.search(r'name="slot" value="(\d+)"', page).group(1)
    client.post(url, {"slot": slot_id, "name": "钱七", "cert_number": synthetic_id_number(9), "phone": "13800000099"})
    assert Appointment.objects.get().source == "staff"


def test_the_weekend_schedule_lists_weekend_items(db, at):
    from onewindow.hall.testing import make_hall

    hall = make_hall(weekend_service=True)
    body = Client().get(f"/hall/{hall.centre.code}/weekend/").content.decode()
    assert "不动产登记" in body and "食品经营许可" not in body and "开放" in body
    assert hall.centre.name in Client().get("/hall/weekend/").content.decode()


def test_kiosk_check_in_by_code(hall, at):
    import datetime as dt

    applicant = register_applicant(phone="13800000066", name="孙八", password=PASSWORD)
    slot = services.ensure_slots(hall.categories["A"], dt.date(2026, 3, 11))[0]
    appt = services.book_appointment(actor=applicant, slot=slot, item=hall.items["food"], name="孙八",
                                     cert_number=synthetic_id_number(6), phone="13800000066")
    at.set(dt.datetime(2026, 3, 11, 9, 5))
    client = Client()
    wrong = client.post(f"/hall/{hall.centre.code}/kiosk/checkin/", {"code": "12345678"})
    assert wrong.status_code == 400 and "没有找到该预约码" in wrong.content.decode()
    response = client.post(f"/hall/{hall.centre.code}/kiosk/checkin/", {"code": appt.code}, follow=True)
    assert "预约优先" in response.content.decode()


def test_hall_statistics_for_managers_only(hall, take):
    services.issue_ticket(actor=None, category=hall.categories["A"])
    services.call_next(actor=hall.clerks["clerk1"], window=take())
    assert login(hall.clerks["clerk2"]).get("/hall/stats/").status_code == 403
    page = login(hall.manager).get("/hall/stats/", {"start": "2026-03-10", "end": "2026-03-10"})
    body = page.content.decode()
    assert page.status_code == 200 and 'id="total-tickets">1<' in body and "9时" in body

"""Book an appointment online → check in at the kiosk with the code → be called before an earlier walk-in.

The browser runs on the real clock, so the test opens today for booking: same-day booking (setting), a slot
starting shortly (setting), and today a working day for the centre (a per-centre calendar override)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect


@pytest.fixture
def hall_today(transactional_db: None, settings: Any) -> Any:
    from onewindow.hall.testing import make_hall
    from onewindow.workdays.choices import DayKind
    from onewindow.workdays.models import CalendarDay

    now = timezone.localtime()
    if now.hour >= 22:
        pytest.skip("needs a slot later today; run before 22:00 local time")
    start = (now + dt.timedelta(minutes=30)).replace(second=0, microsecond=0)
    end = min(start + dt.timedelta(hours=1), now.replace(hour=23, minute=59))
    settings.ONEWINDOW_HALL_BOOKING_MIN_DAYS_AHEAD = 0
    settings.ONEWINDOW_HALL_SLOT_TIMES = f"{start:%H:%M}-{end:%H:%M}"
    settings.ONEWINDOW_HALL_WEEKEND_SLOT_TIMES = settings.ONEWINDOW_HALL_SLOT_TIMES
    hall = make_hall()
    CalendarDay.objects.update_or_create(date=now.date(), centre=hall.centre,
                                         defaults={"kind": DayKind.WORK, "name": "测试开放日"})
    return hall


def login_applicant(pg: Any, phone: str, password: str, next_url: str) -> None:
    pg.goto(next_url)
    expect(pg).to_have_url(re.compile(r"/my/login/"))
    pg.get_by_label("手机号码").fill(phone)
    pg.get_by_label("密码").fill(password)
    pg.get_by_role("button", name="登录").click()
    expect(pg).to_have_url(re.compile(re.escape(next_url) + "$"))


def test_booking_then_checking_in_is_served_first(page: Any, open_page: Any, hall_today: Any) -> None:
    from onewindow.cases.auth import register_applicant
    from onewindow.hall import services
    from onewindow.hall.models import Appointment
    from onewindow.testing import PASSWORD, browser_staff_login, synthetic_id_number

    hall = hall_today
    code = hall.centre.code
    walk_in = services.issue_ticket(actor=None, category=hall.categories["A"])  # A001, waiting before the booking
    register_applicant(phone="13800000123", name="李四", password=PASSWORD)

    # Book online: item → slot and details → confirmation with the code.
    page.goto("/hall/book/")
    book_url = page.get_by_role("link", name="食品经营许可").get_attribute("href")
    login_applicant(page, "13800000123", PASSWORD, book_url)
    page.locator("input[name=slot]").first.check()
    page.get_by_label("居民身份证号码").fill(synthetic_id_number(31))
    expect(page.get_by_label("手机号码")).to_have_value("13800000123")  # prefilled from the account
    page.locator("#book-submit").click()
    expect(page.locator("#appointment-code")).to_be_visible()
    booking_code = page.locator("#appointment-code").inner_text().strip()
    assert Appointment.objects.get().code == booking_code

    # Check in at the kiosk with the on-screen keypad.
    kiosk = open_page()
    kiosk.goto(f"/hall/{code}/kiosk/")
    kiosk.get_by_role("link", name=re.compile("预约签到")).click()
    for digit in booking_code:
        kiosk.locator(f'.keypad button[data-digit="{digit}"]').click()
    expect(kiosk.locator("#code")).to_have_value(booking_code)
    kiosk.get_by_role("button", name="签到取号").click()
    expect(kiosk.locator("#ticket-code")).to_have_text("A002")
    expect(kiosk.locator("#ticket")).to_contain_text("预约优先")

    # The clerk calls the next ticket: the checked-in applicant, not the earlier walk-in.
    clerk = open_page()
    browser_staff_login(clerk, None, "clerk1", next_url="/hall/window/")
    clerk.locator("#take-1").click()
    expect(clerk.locator("#queue tbody tr").first).to_have_attribute("data-code", "A002")
    clerk.locator("#call-next").click()
    expect(clerk.locator("#current-code")).to_have_text("A002")
    expect(clerk.locator(".current-ticket")).to_contain_text("预约")
    walk_in.refresh_from_db()
    assert walk_in.status == "waiting"
    assert Appointment.objects.get().status == "checked_in"

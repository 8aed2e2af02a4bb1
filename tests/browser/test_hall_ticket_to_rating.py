"""Take a ticket at the kiosk → the display board shows (and speaks) the call → a clerk serves at the window
and links the case → the applicant rates the visit from the ticket's QR page."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect


@pytest.fixture
def hall(transactional_db: None) -> Any:
    from onewindow.hall.testing import make_hall

    return make_hall()


def staff_login(pg: Any, username: str) -> None:
    from onewindow.testing import browser_staff_login

    browser_staff_login(pg, None, username, next_url="/hall/window/")
    expect(pg).to_have_url(re.compile(r"/hall/window/$"))


def test_ticket_board_call_service_case_and_rating(page: Any, open_page: Any, hall: Any) -> None:
    from onewindow.cases import services as case_services
    from onewindow.hall.models import Ticket
    from onewindow.ratings.models import Rating
    from onewindow.testing import person

    code = hall.centre.code
    # The applicant takes a ticket at the kiosk: one tap on the category.
    page.goto(f"/hall/{code}/kiosk/")
    category_button = page.get_by_role("button", name=re.compile("综合业务"))
    box = category_button.bounding_box()
    assert box["height"] >= 60 and box["width"] >= 60  # kiosk touch targets
    category_button.click()
    expect(page.locator("#ticket-code")).to_have_text("A001")
    expect(page.locator("#ticket svg")).to_be_visible()  # the QR code for tracking and rating
    token = re.search(r"/kiosk/ticket/([^/]+)/$", page.url).group(1)

    # The display board, with the announcement switched on.
    board = open_page()
    board.goto(f"/hall/{code}/board/")
    board.locator("#voice-toggle").click()
    expect(board.locator("#voice-toggle")).to_have_attribute("aria-pressed", "true")

    # The clerk sits at window 1 and calls the next ticket from the keyboard.
    clerk = open_page()
    staff_login(clerk, "clerk1")
    clerk.locator("#take-1").click()
    expect(clerk.locator("#call-next")).to_be_visible()
    clerk.keyboard.press("n")
    expect(clerk.locator("#current-code")).to_have_text("A001")
    called_at = time.monotonic()

    # The board shows the call within a second or so (polling every 700 ms) and speaks it.
    expect(board.locator("#now-code")).to_have_text("A001", timeout=2500)
    shown_after = time.monotonic() - called_at
    expect(board.locator("#now-text")).to_have_text("请A001号到1号窗口办理")
    print(f"board showed the call {shown_after:.2f} s after the click")
    assert shown_after < 2.0, f"the board took {shown_after:.2f} s"
    spoken = board.evaluate("window.hallBoard.spoken")
    assert "请A001号到1号窗口办理" in spoken

    # The applicant's ticket page says where to go.
    page.goto(f"/hall/t/{token}/")
    expect(page.locator("#ticket-state")).to_contain_text("请到 1 号窗口办理")

    # The clerk starts, receives the case (intake is another screen; here through the service), links it, finishes.
    clerk.keyboard.press("s")
    expect(clerk.locator("#current-status")).to_have_text("办理中")
    case = case_services.receive_case(actor=hall.clerks["clerk1"], item=hall.items["food"], applicant=person(21),
                                      centre=hall.centre, window=hall.windows["1"].window).case
    clerk.reload()
    clerk.get_by_label(re.compile(case.number)).check()
    clerk.locator("#finish-service").click()
    expect(clerk.locator(".message")).to_contain_text("已办结，关联办件 1 件")
    expect(clerk.locator("#current-code")).to_have_text("当前没有号")

    # The applicant rates from the QR page: five stars.
    page.reload()
    expect(page.locator("#ticket-state")).to_contain_text("已办结")
    expect(page.locator("#ticket-status")).to_contain_text(case.number)
    page.get_by_text("非常满意", exact=True).click()
    page.locator("#rate-submit").click()
    expect(page.locator("#rated")).to_contain_text("非常满意")

    ticket = Ticket.objects.get(token=token)
    assert list(ticket.cases.all()) == [case]
    rating = Rating.objects.get(ticket=ticket)
    assert (rating.level, rating.channel, rating.staff) == (1, "qr", hall.clerks["clerk1"])

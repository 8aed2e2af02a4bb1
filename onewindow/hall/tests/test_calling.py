"""Calling at a window: the rules, transfers that keep the waiting time, logged skips, holding a window,
serving and linking cases, and closing the day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from onewindow.audit.models import AuditEvent
from onewindow.cases import services as case_services
from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.hall import services
from onewindow.hall.choices import TicketAction, TicketStatus
from onewindow.hall.models import Call, HallWindow, QueueDay, Ticket, TicketEvent, WindowSession
from onewindow.testing import person

pytestmark = pytest.mark.django_db


def issue(hall, cat="A", **kw):
    return services.issue_ticket(actor=None, category=hall.categories[cat], **kw)


def test_call_next_follows_the_queue_and_announces_on_the_board(hall, take, at):
    first, second = issue(hall), issue(hall)
    window = take()
    at.advance(minutes=4)
    called = services.call_next(actor=hall.clerks["clerk1"], window=window)
    assert called == first and called.status == TicketStatus.CALLED
    assert called.wait_seconds == 240 and called.window == window
    call = Call.objects.get()
    assert call.text == "请A001号到1号窗口办理"
    with pytest.raises(ConflictError, match="请先处理当前的 A001"):
        services.call_next(actor=hall.clerks["clerk1"], window=window)
    services.recall(actor=hall.clerks["clerk1"], window=window)
    assert Call.objects.filter(is_recall=True).count() == 1
    services.mark_no_show(actor=hall.clerks["clerk1"], window=window)
    assert services.call_next(actor=hall.clerks["clerk1"], window=window) == second
    services.finish_service(actor=hall.clerks["clerk1"], window=window)
    assert services.call_next(actor=hall.clerks["clerk1"], window=window) is None


def test_two_windows_never_get_the_same_ticket(hall, take):
    tickets = [issue(hall) for _ in range(2)]
    one, two = take("1", "clerk1"), take("2", "clerk2")
    a = services.call_next(actor=hall.clerks["clerk1"], window=one)
    b = services.call_next(actor=hall.clerks["clerk2"], window=two)
    assert {a.pk, b.pk} == {t.pk for t in tickets}


def test_a_window_is_held_by_one_clerk_at_a_time(hall, take):
    window = take("1", "clerk1")
    with pytest.raises(ConflictError, match="正由 clerk1 使用"):
        take("1", "clerk2")
    with pytest.raises(ForbiddenError):
        services.call_next(actor=hall.clerks["clerk2"], window=window)
    # Sitting down at another window leaves the first one.
    take("2", "clerk1")
    assert HallWindow.objects.get(pk=window.pk).holder is None
    assert WindowSession.objects.filter(clerk=hall.clerks["clerk1"], ended_at__isnull=True).count() == 1
    take("1", "clerk2")


def test_a_clerk_cannot_leave_with_an_open_ticket_but_a_manager_can_release(hall, take):
    ticket = issue(hall)
    window = take()
    services.call_next(actor=hall.clerks["clerk1"], window=window)
    with pytest.raises(ConflictError, match="A001"):
        services.leave_window(actor=hall.clerks["clerk1"], window=window)
    with pytest.raises(ValidationError):
        services.release_window(actor=hall.manager, window=window, reason=" ")
    with pytest.raises(ForbiddenError):
        services.release_window(actor=hall.clerks["clerk2"], window=window, reason="忘记退出")
    services.release_window(actor=hall.manager, window=window, reason="忘记退出")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    assert HallWindow.objects.get(pk=window.pk).holder is None


def test_outsiders_cannot_sit_at_a_window(hall):
    from onewindow.testing import make_user

    with pytest.raises(ForbiddenError):
        services.take_window(actor=make_user("outsider"), window=hall.windows["1"])


def test_a_specialised_window_calls_only_its_categories(hall, take):
    issue(hall, "A")
    b = issue(hall, "B")
    nine = take("9", "clerk1")
    assert services.call_next(actor=hall.clerks["clerk1"], window=nine) == b
    services.finish_service(actor=hall.clerks["clerk1"], window=nine)
    assert services.call_next(actor=hall.clerks["clerk1"], window=nine) is None


def test_a_transfer_keeps_the_waiting_time(hall, take, at):
    early = issue(hall, "A")
    at.advance(minutes=5)
    later_b = issue(hall, "B")
    one = take("1", "clerk1")
    assert services.call_next(actor=hall.clerks["clerk1"], window=one) == early
    services.transfer_ticket(actor=hall.clerks["clerk1"], window=one, to_category=hall.categories["B"],
                             reason="需要不动产专窗")
    early.refresh_from_db()
    assert (early.status, early.category.prefix, early.code, early.transfers) == (TicketStatus.WAITING, "B", "A001", 1)
    assert early.queued_at == early.issued_at  # the place in time is kept …
    nine = take("9", "clerk2")
    # … so it is called before the B ticket taken five minutes later.
    assert services.call_next(actor=hall.clerks["clerk2"], window=nine) == early
    assert early.first_called_at is not None
    assert Ticket.objects.get(pk=later_b.pk).status == TicketStatus.WAITING


def test_a_transfer_to_a_window_reserves_the_ticket_for_it(hall, take):
    ticket = issue(hall)
    issue(hall)
    one, two = take("1", "clerk1"), take("2", "clerk2")
    services.call_next(actor=hall.clerks["clerk1"], window=one)
    services.start_service(actor=hall.clerks["clerk1"], window=one)
    services.transfer_ticket(actor=hall.clerks["clerk1"], window=one, to_window=two)
    assert services.call_next(actor=hall.clerks["clerk1"], window=one).code == "A002"
    assert services.call_next(actor=hall.clerks["clerk2"], window=two) == ticket
    with pytest.raises(ValidationError):
        services.transfer_ticket(actor=hall.clerks["clerk2"], window=two, to_window=two)


def test_skipping_needs_a_reason_and_is_logged(hall, take):
    first, second = issue(hall), issue(hall)
    window = take()
    with pytest.raises(ValidationError) as err:
        services.skip_ticket(actor=hall.clerks["clerk1"], ticket=first, reason="  ")
    assert "reason" in err.value.message_dict
    services.skip_ticket(actor=hall.clerks["clerk1"], ticket=first, reason="申请人去复印材料")
    event = TicketEvent.objects.get(ticket=first, action=TicketAction.SKIP)
    assert event.reason == "申请人去复印材料" and event.actor == hall.clerks["clerk1"]
    audit = AuditEvent.objects.get(action="ticket_skip", object_id=str(first.pk))
    assert audit.data["reason"] == "申请人去复印材料"
    assert services.call_next(actor=hall.clerks["clerk1"], window=window) == second


def test_moving_to_the_top_needs_a_reason_and_is_logged(hall, take):
    issue(hall)
    last = issue(hall)
    with pytest.raises(ValidationError):
        services.move_to_top(actor=hall.clerks["clerk1"], ticket=last, reason="")
    services.move_to_top(actor=hall.clerks["clerk1"], ticket=last, reason="孕妇，身体不适")
    assert TicketEvent.objects.get(ticket=last, action=TicketAction.MOVE_TOP).reason == "孕妇，身体不适"
    assert services.call_next(actor=hall.clerks["clerk1"], window=take()) == last


def test_calling_a_ticket_out_of_order_or_a_no_show_again_needs_a_reason(hall, take):
    first, second = issue(hall), issue(hall)
    window = take()
    with pytest.raises(ValidationError):
        services.call_ticket(actor=hall.clerks["clerk1"], window=window, ticket=second)
    services.call_ticket(actor=hall.clerks["clerk1"], window=window, ticket=second, reason="预约老人")
    assert TicketEvent.objects.filter(ticket=second, action=TicketAction.CALL_OUT_OF_ORDER, reason="预约老人").exists()
    services.mark_no_show(actor=hall.clerks["clerk1"], window=window)
    services.call_ticket(actor=hall.clerks["clerk1"], window=window, ticket=first)  # the head: no reason needed
    services.finish_service(actor=hall.clerks["clerk1"], window=window)
    with pytest.raises(ValidationError):
        services.call_ticket(actor=hall.clerks["clerk1"], window=window, ticket=second)
    again = services.call_ticket(actor=hall.clerks["clerk1"], window=window, ticket=second, reason="过号后返回")
    assert again.status == TicketStatus.CALLED


def test_serving_links_the_cases_handled(hall, take, at):
    clerk = hall.clerks["clerk1"]
    ticket = issue(hall)
    window = take()
    services.call_next(actor=clerk, window=window)
    at.advance(minutes=1)
    services.start_service(actor=clerk, window=window)
    case = case_services.receive_case(actor=clerk, item=hall.items["food"], applicant=person(5),
                                      centre=hall.centre, window=window.window).case
    with pytest.raises(ValidationError, match="找不到办件"):
        services.finish_service(actor=clerk, window=window, cases=["99990000000000000000"])
    at.advance(minutes=6)
    done = services.finish_service(actor=clerk, window=window, cases=[case.number])
    assert done.status == TicketStatus.DONE and done.service_seconds == 360
    assert list(ticket.cases.all()) == [case]
    assert list(case.tickets.all()) == [ticket]
    assert HallWindow.objects.get(pk=window.pk).current_ticket is None


def test_a_clerk_of_another_centre_cannot_link_a_case_it_cannot_see(hall, take):
    from onewindow.org import services as org_services
    from onewindow.org.choices import CentreLevel, Role
    from onewindow.org.models import ServiceCentre
    from onewindow.testing import make_user

    other = org_services.save_centre(actor=None, centre=ServiceCentre(
        code="county2", name="邻县政务服务中心", level=CentreLevel.COUNTY, region_code="990002"))
    stranger = make_user("stranger", Role.CLERK, centre=other)
    case = case_services.receive_case(actor=stranger, item=hall.items["food"], applicant=person(6),
                                      centre=other).case
    issue(hall)
    window = take()
    services.call_next(actor=hall.clerks["clerk1"], window=window)
    with pytest.raises(ValidationError):
        services.finish_service(actor=hall.clerks["clerk1"], window=window, cases=[case.number])


def test_close_day_closes_the_queue_frees_windows_and_archives(hall, take, at):
    waiting = issue(hall)
    called = issue(hall)
    served = issue(hall)
    window = take()
    services.call_ticket(actor=hall.clerks["clerk1"], window=window, ticket=served, reason="测试")
    services.finish_service(actor=hall.clerks["clerk1"], window=window)
    services.call_next(actor=hall.clerks["clerk1"], window=window)
    at.set(dt.datetime(2026, 3, 10, 21, 0))
    archive = services.close_day(actor=None, centre=hall.centre)
    statuses = dict(Ticket.objects.values_list("code", "status"))
    assert statuses == {waiting.code: TicketStatus.CLOSED, called.code: TicketStatus.CLOSED,
                        served.code: TicketStatus.DONE}
    assert HallWindow.objects.filter(holder__isnull=False).count() == 0
    assert archive.summary["totals"]["tickets"] == 3 and archive.summary["closed_tickets"] == 2
    services.close_day(actor=None, centre=hall.centre)  # idempotent
    assert QueueDay.objects.count() == 1

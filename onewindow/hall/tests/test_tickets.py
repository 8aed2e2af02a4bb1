"""Taking a ticket: numbering, the one-waiting-ticket rule, priorities and the waiting-time estimate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from onewindow.audit.models import AuditEvent
from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.hall import services
from onewindow.hall.choices import Priority, TicketStatus
from onewindow.hall.models import KeyEnterprise, Ticket, TicketCounter
from onewindow.testing import credit_code, synthetic_id_number

pytestmark = pytest.mark.django_db


def issue(hall, cat="A", **kw):
    return services.issue_ticket(actor=None, category=hall.categories[cat], **kw)


def test_numbers_run_per_category_and_day(hall, at):
    codes = [issue(hall).code for _ in range(3)] + [issue(hall, "B").code]
    assert codes == ["A001", "A002", "A003", "B001"]
    at.set(dt.datetime(2026, 3, 11, 8, 45))
    assert issue(hall).code == "A001"
    assert TicketCounter.objects.get(category=hall.categories["A"], day=dt.date(2026, 3, 10)).last == 3


def test_a_second_waiting_ticket_for_the_same_person_and_category_is_refused(hall):
    first = issue(hall, cert_number=synthetic_id_number(1))
    with pytest.raises(ConflictError, match="A001"):
        issue(hall, cert_number=synthetic_id_number(1))
    with pytest.raises(ConflictError):
        issue(hall, phone="13900000001", cert_number=synthetic_id_number(1).lower())
    issue(hall, phone="13900000001")
    with pytest.raises(ConflictError, match="无需重复取号"):
        issue(hall, phone="139 0000 0001")
    # Another category is another queue; and nothing here stores the ID number itself.
    assert issue(hall, "B", cert_number=synthetic_id_number(1)).code == "B001"
    assert synthetic_id_number(1) not in str(list(Ticket.objects.values())) and first.id_key


def test_a_refused_ticket_leaves_no_gap_in_the_numbers(hall):
    issue(hall, cert_number=synthetic_id_number(2))
    with pytest.raises(ConflictError):
        issue(hall, cert_number=synthetic_id_number(2))
    assert issue(hall).code == "A002"


def test_after_being_served_the_person_may_take_a_new_ticket(hall, take):
    ticket = issue(hall, phone="13900000002")
    window = take()
    services.call_next(actor=hall.clerks["clerk1"], window=window)
    services.finish_service(actor=hall.clerks["clerk1"], window=window)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DONE
    assert issue(hall, phone="13900000002").code == "A002"


def test_walk_ins_need_no_identity_and_bad_input_is_explained(hall):
    assert issue(hall).code == "A001"
    with pytest.raises(ValidationError) as err:
        issue(hall, cert_number="123", phone="12345")
    assert set(err.value.message_dict) == {"cert_number", "phone"}


def test_priority_kinds_and_the_calling_order(hall, take):
    normal = issue(hall)
    elderly = issue(hall, cert_number=synthetic_id_number(3, birth="19500101"))
    assisted = issue(hall, needs_priority=True)
    code = credit_code(55)
    services.add_key_enterprise(actor=None, name="重点企业甲", credit_code=code)
    key = issue(hall, cert_number=code)
    later_normal = issue(hall)
    assert (elderly.priority, assisted.priority, key.priority, normal.priority) == (
        Priority.ELDERLY, Priority.DISABLED, Priority.KEY_ENTERPRISE, Priority.NORMAL)
    assert KeyEnterprise.objects.get().masked_code.count("*") == 10
    window = take()
    called = []
    for _ in range(5):
        ticket = services.call_next(actor=hall.clerks["clerk1"], window=window)
        called.append(ticket.code)
        services.finish_service(actor=hall.clerks["clerk1"], window=window)
    assert called == [elderly.code, assisted.code, key.code, normal.code, later_normal.code]


def test_the_priority_order_is_a_setting(hall, take, settings):
    settings.ONEWINDOW_HALL_PRIORITY_ORDER = ["key_enterprise", "disabled", "elderly", "normal"]
    assisted = issue(hall, needs_priority=True)
    key = services.issue_ticket(actor=hall.clerks["clerk1"], category=hall.categories["A"],
                                priority=Priority.KEY_ENTERPRISE, source="staff")
    window = take()
    assert services.call_next(actor=hall.clerks["clerk1"], window=window) == key
    assert key.rank < assisted.rank


def test_only_hall_staff_set_a_priority_directly(hall):
    with pytest.raises(ForbiddenError):
        issue(hall, priority=Priority.KEY_ENTERPRISE)
    ticket = services.issue_ticket(actor=hall.clerks["clerk1"], category=hall.categories["A"],
                                   priority=Priority.KEY_ENTERPRISE, source="staff")
    assert ticket.priority == Priority.KEY_ENTERPRISE
    assert AuditEvent.objects.filter(action="ticket_issue", object_id=str(ticket.pk)).exists()


def test_waiting_estimate_counts_people_ahead_and_open_windows(hall, take, settings):
    settings.ONEWINDOW_HALL_DEFAULT_SERVICE_MINUTES = 10
    tickets = [issue(hall) for _ in range(4)]
    assert services.estimate_wait(tickets[0]).ahead == 0
    fourth = services.estimate_wait(tickets[3])
    assert (fourth.ahead, fourth.minutes) == (3, 30)  # no window open yet: counted as one
    take("1", "clerk1")
    take("2", "clerk2")
    assert services.estimate_wait(tickets[3]).minutes == 15
    assert services.estimate_wait(issue(hall, "B")).windows == 3 - 1  # windows 1, 2 (general) held; 9 is not

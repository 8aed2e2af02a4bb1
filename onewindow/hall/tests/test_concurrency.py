"""Real concurrency on PostgreSQL: threads with their own connections, started together at a barrier.

Run with:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_hall ONEWINDOW_TESTING=1 \\
        .venv/bin/pytest onewindow/hall onewindow/ratings -q --create-db
On SQLite these skip: SQLite serialises writers, so there is no race to test (the sequential rules are
tested in test_tickets.py and test_calling.py). The platform clock is not frozen here: threads do not
inherit the test's context, so everything runs on the real date.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from onewindow.cases.auth import register_applicant
from onewindow.core.errors import ConflictError
from onewindow.hall import services
from onewindow.hall.choices import TicketStatus
from onewindow.hall.models import AppointmentSlot, Ticket
from onewindow.hall.testing import make_hall
from onewindow.testing import PASSWORD, run_at_once, synthetic_id_number

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, real parallel writers)"),
]


def test_many_kiosks_at_once_get_unique_gap_free_numbers():
    hall = make_hall(windows=1, clerks=1, specialised=False)
    a, b = hall.categories["A"], hall.categories["B"]
    jobs: list[Callable[[], Any]] = []
    for _ in range(24):
        jobs.append(lambda: services.issue_ticket(actor=None, category=a))
    for _ in range(8):
        jobs.append(lambda: services.issue_ticket(actor=None, category=b))
    # Five kiosks at once for the same person: one ticket, four clear refusals, and still no gap.
    for _ in range(5):
        jobs.append(lambda: services.issue_ticket(actor=None, category=a, phone="13900000001"))
    results, errors = run_at_once(jobs)
    assert len(errors) == 4 and all(isinstance(e, ConflictError) for e in errors), errors
    numbers_a = sorted(Ticket.objects.filter(issued_category=a).values_list("number", flat=True))
    numbers_b = sorted(Ticket.objects.filter(issued_category=b).values_list("number", flat=True))
    assert numbers_a == list(range(1, 26))
    assert numbers_b == list(range(1, 9))
    assert Ticket.objects.filter(phone_key=services.phone_key_of("13900000001")).count() == 1


def test_windows_calling_at_once_never_get_the_same_ticket():
    hall = make_hall(windows=6, clerks=6, specialised=False)
    windows = [services.take_window(actor=hall.clerks[f"clerk{n}"], window=hall.windows[str(n)]) for n in range(1, 7)]
    for _ in range(15):
        services.issue_ticket(actor=None, category=hall.categories["A"])
    called: list[int] = []
    for _round in range(3):
        results, errors = run_at_once([
            (lambda clerk=hall.clerks[f"clerk{n}"], window=windows[n - 1]: services.call_next(actor=clerk, window=window))
            for n in range(1, 7)])
        assert not errors, errors
        got = [t.pk for t in results if t is not None]
        assert len(got) == len(set(got))
        called += got
        for n in range(1, 7):
            window = windows[n - 1]
            window.refresh_from_db()
            if window.current_ticket_id:
                services.finish_service(actor=hall.clerks[f"clerk{n}"], window=window)
    assert len(called) == len(set(called)) == 15
    assert Ticket.objects.filter(status=TicketStatus.DONE).count() == 15


def test_a_slot_is_never_overbooked():
    hall = make_hall(windows=1, clerks=1, specialised=False)
    category = hall.categories["A"]
    category.slot_capacity = 5
    category.save()
    slot = services.open_slots(category)[0][1][0]
    users = [register_applicant(phone=f"1380000{n:04d}", name=f"申请人{n}", password=PASSWORD) for n in range(12)]
    jobs = [
        (lambda n=n: services.book_appointment(actor=users[n], slot=slot, item=hall.items["food"], name=f"申请人{n}",
                                               cert_number=synthetic_id_number(n + 1), phone=f"1380000{n:04d}"))
        for n in range(12)]
    results, errors = run_at_once(jobs)
    assert sum(r is not None for r in results) == 5
    assert len(errors) == 7 and all("已约满" in str(e) for e in errors)
    assert AppointmentSlot.objects.get(pk=slot.pk).booked == 5


def test_two_ratings_of_one_ticket_at_once_make_one():
    from onewindow.ratings import services as rating_services
    from onewindow.ratings.models import Rating

    hall = make_hall(windows=1, clerks=1, specialised=False)
    ticket = services.issue_ticket(actor=None, category=hall.categories["A"])
    window = services.take_window(actor=hall.clerks["clerk1"], window=hall.windows["1"])
    services.call_next(actor=hall.clerks["clerk1"], window=window)
    services.finish_service(actor=hall.clerks["clerk1"], window=window)
    results, errors = run_at_once([
        lambda: rating_services.rate_ticket(actor=None, token=ticket.token, level=1, channel="qr"),
        lambda: rating_services.rate_ticket(actor=None, token=ticket.token, level=2, channel="tablet"),
    ])
    assert Rating.objects.filter(ticket=ticket).count() == 1, errors
    assert len(errors) == 1 and isinstance(errors[0], ConflictError)

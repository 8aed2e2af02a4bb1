"""Reads of the hall: the display board, a window's queue, statistics. Averages are integer aggregates over
seconds stored at the transitions, so every figure is one GROUP BY on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, Max, Q

from onewindow.core import clock
from onewindow.org.models import ServiceCentre

from .choices import AppointmentStatus, TicketStatus
from .models import Appointment, Call, HallWindow, QueueCategory, Ticket
from .services import ensure_hall_windows


def _minutes(seconds: float | None) -> float | None:
    return round(seconds / 60.0, 1) if seconds is not None else None


def board_state(centre: ServiceCentre, limit: int = 8) -> dict[str, Any]:
    """What the display board shows: the latest calls, each window's ticket, waiting counts per category."""
    today = clock.today()
    calls = list(Call.objects.filter(centre=centre, at__date__gte=today - dt.timedelta(days=1))
                 .select_related("ticket", "window__window").order_by("-id")[:limit])
    calls = [c for c in calls if c.ticket.day == today]
    windows = [hw for hw in HallWindow.objects.filter(window__centre=centre, window__is_active=True)
               .select_related("window", "current_ticket").order_by("window__number")]
    waiting = dict(Ticket.objects.filter(centre=centre, day=today, status=TicketStatus.WAITING)
                   .values_list("category_id").annotate(n=Count("id")).values_list("category_id", "n"))
    categories = [{"category": c, "waiting": waiting.get(c.pk, 0)}
                  for c in QueueCategory.objects.filter(centre=centre, is_active=True).order_by("order", "prefix")]
    last_id = Call.objects.filter(centre=centre).aggregate(m=Max("id"))["m"] or 0
    return {"calls": calls, "windows": windows, "categories": categories, "last_id": last_id, "today": today}


def window_queue(hw: HallWindow, limit: int = 40) -> list[Ticket]:
    from .services import _pool

    return list(_pool(hw, clock.today()).in_call_order().select_related("category", "target_window__window")[:limit])


def no_shows_today(hw: HallWindow) -> list[Ticket]:
    return list(Ticket.objects.filter(centre_id=hw.window.centre_id, day=clock.today(), status=TicketStatus.NO_SHOW)
                .select_related("category").order_by("-called_at")[:10])


def centre_windows(centre: ServiceCentre) -> list[HallWindow]:
    ensure_hall_windows(centre)
    return list(HallWindow.objects.filter(window__centre=centre, window__is_active=True)
                .select_related("window", "holder", "current_ticket").order_by("window__number"))


def hall_stats(centre_ids: list[int], start: dt.date, end: dt.date) -> dict[str, Any]:
    """Waiting and service times per category, window and hour; tickets per day; no-shows; peak hours."""
    tickets = Ticket.objects.filter(centre_id__in=centre_ids, day__gte=start, day__lte=end)
    figures = {
        "tickets": Count("id"),
        "served": Count("id", filter=Q(status=TicketStatus.DONE)),
        "no_show": Count("id", filter=Q(status=TicketStatus.NO_SHOW)),
        "closed": Count("id", filter=Q(status=TicketStatus.CLOSED)),
        "wait": Avg("wait_seconds"),
        "service": Avg("service_seconds"),
    }

    def rows(qs: Any) -> list[dict[str, Any]]:
        out = []
        for row in qs:
            row["wait_min"] = _minutes(row.pop("wait"))
            row["service_min"] = _minutes(row.pop("service"))
            out.append(row)
        return out

    totals = tickets.aggregate(**figures)
    totals["wait_min"] = _minutes(totals.pop("wait"))
    totals["service_min"] = _minutes(totals.pop("service"))
    categories = rows(tickets.values("issued_category__prefix", "issued_category__name")
                      .annotate(**figures).order_by("issued_category__prefix"))
    windows = rows(tickets.filter(window__isnull=False).values("window__window__number", "window__window__name")
                   .annotate(**figures).order_by("window__window__number"))
    hours = rows(tickets.values("issued_hour").annotate(**figures).order_by("issued_hour"))
    days = rows(tickets.values("day").annotate(**figures).order_by("day"))
    for row in days:
        row["day"] = row["day"].isoformat()
    peak = [h["issued_hour"] for h in sorted(hours, key=lambda h: (-h["tickets"], h["issued_hour"]))[:3] if h["tickets"]]
    appointments = Appointment.objects.filter(centre_id__in=centre_ids, day__gte=start, day__lte=end).aggregate(
        booked=Count("id"),
        checked_in=Count("id", filter=Q(status=AppointmentStatus.CHECKED_IN)),
        no_show=Count("id", filter=Q(status=AppointmentStatus.NO_SHOW)),
        cancelled=Count("id", filter=Q(status=AppointmentStatus.CANCELLED)),
    )
    max_hour = max((h["tickets"] for h in hours), default=0)
    for h in hours:
        h["bar"] = round(100 * h["tickets"] / max_hour) if max_hour else 0
    return {"totals": totals, "categories": categories, "windows": windows, "hours": hours, "days": days,
            "peak_hours": peak, "appointments": appointments}

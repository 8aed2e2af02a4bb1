"""Dashboard figures. The distribution and the response rate come first, never only a percentage: a
satisfaction rate of 99.99 % means little when few people rate (DOMAIN.md, 好差评)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from onewindow.cases.choices import DONE_STATUSES
from onewindow.cases.models import Case
from onewindow.core import clock
from onewindow.hall.choices import TicketStatus
from onewindow.hall.models import Ticket

from .choices import BAD_LEVELS, CLOSED_FOLLOW_UP, Channel, Level, Stage
from .models import FollowUp, Rating


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return lo, hi


def satisfaction_summary(centre_ids: list[int] | None, start: dt.date, end: dt.date) -> dict[str, Any]:
    lo, hi = _bounds(start, end)
    ratings = Rating.objects.filter(created_at__gte=lo, created_at__lt=hi, excluded=False)
    if centre_ids is not None:
        ratings = ratings.filter(centre_id__in=centre_ids)
    real = ratings.filter(is_default=False)
    by_level = dict(real.values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    total = sum(by_level.values())
    distribution = [{"level": level.value, "label": level.label, "count": by_level.get(level.value, 0),
                     "pct": _pct(by_level.get(level.value, 0), total), "stars": 6 - level.value}
                    for level in Level]
    satisfied = sum(by_level.get(v, 0) for v in (1, 2, 3))
    bad = sum(by_level.get(v, 0) for v in BAD_LEVELS)
    defaults = ratings.filter(is_default=True).count()

    cases = Case.objects.filter(status__in=DONE_STATUSES, completed_at__gte=lo, completed_at__lt=hi)
    if centre_ids is not None:
        cases = cases.filter(handling_centre_id__in=centre_ids)
    rated_case = Rating.objects.filter(case=OuterRef("pk"), stage=Stage.COMPLETION, is_default=False)
    case_counts = cases.aggregate(total=Count("id"), rated=Count("id", filter=Q(Exists(rated_case))))
    tickets = Ticket.objects.filter(status=TicketStatus.DONE, day__gte=start, day__lte=end)
    if centre_ids is not None:
        tickets = tickets.filter(centre_id__in=centre_ids)
    rated_ticket = Rating.objects.filter(ticket=OuterRef("pk"))
    ticket_counts = tickets.aggregate(total=Count("id"), rated=Count("id", filter=Q(Exists(rated_ticket))))

    follow_ups = FollowUp.objects.filter(rating__in=real.filter(level__in=BAD_LEVELS))
    fu_all = FollowUp.objects.filter(created_at__gte=lo, created_at__lt=hi)
    if centre_ids is not None:
        fu_all = fu_all.filter(centre_id__in=centre_ids)
    fu = fu_all.aggregate(
        total=Count("id"),
        called_back=Count("id", filter=Q(callback_at__isnull=False)),
        closed=Count("id", filter=Q(status__in=list(CLOSED_FOLLOW_UP))),
        on_time=Count("id", filter=Q(on_time=True)),
        withdrawn=Count("id", filter=Q(status="withdrawn")),
        real_name=Count("id", filter=Q(rating__real_name=True)),
        real_name_called=Count("id", filter=Q(rating__real_name=True, callback_at__isnull=False)),
    )
    today = clock.today()
    open_overdue = FollowUp.objects.filter(pk__in=fu_all.values("pk")).exclude(
        status__in=list(CLOSED_FOLLOW_UP)).filter(deadline__lt=today).count()
    channels = [{"channel": Channel(c).label, "count": n} for c, n in
                real.values_list("channel").annotate(n=Count("id")).values_list("channel", "n").order_by("-n")]
    stages = [{"stage": Stage(s).label, "count": n} for s, n in
              real.values_list("stage").annotate(n=Count("id")).values_list("stage", "n").order_by("stage")]
    return {
        "total": total, "distribution": distribution, "satisfied_pct": _pct(satisfied, total), "bad": bad,
        "bad_pct": _pct(bad, total), "defaults": defaults,
        "cases": {**case_counts, "response_pct": _pct(case_counts["rated"], case_counts["total"])},
        "tickets": {**ticket_counts, "response_pct": _pct(ticket_counts["rated"], ticket_counts["total"])},
        "follow_ups": {**fu, "callback_pct": _pct(fu["called_back"], fu["total"]),
                       "real_name_callback_pct": _pct(fu["real_name_called"], fu["real_name"]),
                       "closed_pct": _pct(fu["closed"], fu["total"]), "on_time_pct": _pct(fu["on_time"], fu["closed"]),
                       "open_overdue": open_overdue, "linked": follow_ups.count()},
        "channels": channels, "stages": stages,
    }

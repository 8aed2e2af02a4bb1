"""The same figures as `selectors.figures`, computed straight from the source tables with SQL aggregates.

This is the reference the tests compare the incremental counters with, the "full recount" the benchmark
measures the dashboard against, and deliberately independent of `facts.py` (it shares only the definitions
written in its docstring, not the code).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from onewindow.cases.choices import ONLINE_CHANNELS, DeliveryMethod, Status
from onewindow.catalog.choices import CaseKind
from onewindow.ratings.choices import BAD_LEVELS, FollowUpStatus

from .choices import METRICS, Dimension
from .selectors import Filters, Scope, Totals, centre_levels

CASE = {"centre": "centre_id", "department": "department_id", "item": "item_id", "channel": "channel"}


def _families() -> list[dict[str, Any]]:
    from onewindow.cases.models import Case
    from onewindow.ratings.models import Rating
    from onewindow.shareddata.models import DataCall
    from onewindow.supervision.models import Handoff

    cases = Case.objects.all()
    bad = Q(level__in=list(BAD_LEVELS))
    return [
        {"qs": cases, "at": "received_at", "dims": CASE | {"staff": "clerk_id"}, "sums": {
            "received": Count("id"),
            "weekend": Count("id", filter=Q(received_at__week_day__in=[1, 7])),
            "online": Count("id", filter=Q(channel__in=list(ONLINE_CHANNELS))),
            "integrated": Count("id", filter=Q(bundle_link__isnull=False)),
        }},
        {"qs": cases.filter(accepted_at__isnull=False), "at": "accepted_at", "dims": CASE | {"staff": "clerk_id"},
         "sums": {"accepted": Count("id")}},
        {"qs": cases.filter(status=Status.REFUSED), "at": "completed_at", "dims": CASE | {"staff": "clerk_id"},
         "sums": {"refused": Count("id")}},
        {"qs": cases.filter(completed_at__isnull=False).exclude(status__in=[Status.REFUSED, Status.WITHDRAWN])
         .annotate(cday=TruncDate("completed_at")),
         "at": "completed_at", "dims": CASE | {"staff": "assignee_id"}, "sums": {
            "completed": Count("id"),
            "instant": Count("id", filter=Q(item__case_kind=CaseKind.INSTANT)),
            "timed": Count("id", filter=Q(due_date__isnull=False)),
            "on_time": Count("id", filter=Q(cday__lte=F("due_date"))),
            "overdue": Count("id", filter=Q(cday__gt=F("due_date"))),
            "wd_count": Count("working_days_used"),
            "wd_sum": Sum("working_days_used"),
            "at_most_once": Count("id", filter=Q(visits__lte=1)),
            "zero_visit": Count("id", filter=Q(visits=0)),
        }},
        {"qs": cases.filter(delivery_method=DeliveryMethod.EMS, delivered_at__isnull=False), "at": "delivered_at",
         "dims": CASE | {"staff": "assignee_id"}, "sums": {"ems": Count("id")}},
        {"qs": Rating.objects.filter(excluded=False), "at": "created_at",
         "dims": {"centre": "centre_id", "department": "department_id", "item": "item_id",
                  "channel": "case__channel", "staff": "staff_id"}, "sums": {
            "ratings": Count("id"),
            "satisfied": Count("id", filter=Q(level__lte=3)),
            "bad": Count("id", filter=bad),
            "bad_followed": Count("id", filter=bad & Q(follow_up__status__in=[FollowUpStatus.RECTIFIED,
                                                                               FollowUpStatus.EXPLAINED])),
        }},
        {"qs": Handoff.objects.all(), "at": "created_at",
         "dims": {"centre": "case__centre_id", "department": "department_id", "item": "case__item_id",
                  "channel": "case__channel", "staff": "claimed_by_id"},
         "sums": {"handoffs": Count("id"), "claimed": Count("id", filter=Q(claimed_at__isnull=False))}},
        {"qs": DataCall.objects.all(), "at": "at",
         "dims": {"centre": "case__centre_id", "department": "case__department_id", "item": "case__item_id",
                  "channel": "case__channel", "staff": "actor_id"},
         "sums": {"data_calls": Count("id")}},
    ]


def recount(*, start: dt.date, end: dt.date, by: str | None, scope: Scope, filters: Filters | None = None
            ) -> dict[Any, Totals]:
    """Every metric over [start, end] (local dates), grouped like `selectors.figures`."""
    result: dict[Any, Totals] = {}
    levels = centre_levels() if by == Dimension.LEVEL else {}
    for family in _families():
        dims = family["dims"]
        at = family["at"]
        qs: QuerySet[Any] = family["qs"].filter(**{f"{at}__date__gte": start, f"{at}__date__lte": end})
        qs = qs.filter(scope.q(centre=dims["centre"], department=dims["department"]))
        if filters:
            qs = qs.filter(filters.q(dims))
        if by is None:
            rows = [{"k": None, **qs.aggregate(**family["sums"])}]
        elif by == "day":
            rows = list(qs.annotate(k=TruncDate(at)).values("k").annotate(**family["sums"]).order_by())
        else:
            path = dims["centre" if by == Dimension.LEVEL else by]
            rows = list(qs.annotate(k=F(path)).values("k").annotate(**family["sums"]).order_by())
        for row in rows:
            key = row["k"]
            if by == Dimension.LEVEL:
                key = levels.get(key, "")
            elif by == "day":
                key = key.isoformat()
            elif by is not None and key is None:
                key = "" if by == Dimension.CHANNEL else 0
            bucket = result.setdefault(key, dict.fromkeys(METRICS, 0))
            for name in family["sums"]:
                bucket[name] += row[name] or 0
    if by is None:
        return result
    return {k: v for k, v in result.items() if any(v.values())}

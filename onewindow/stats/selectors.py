"""Reads for the dashboard: periods, the viewer's scope, and sums over DailyCounter (never the cases table)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from onewindow.cases.choices import Channel
from onewindow.catalog.models import ServiceItem
from onewindow.org.choices import CentreLevel, Role
from onewindow.org.models import Department, ServiceCentre, StaffRole

from .choices import AVERAGES, METRICS, RATIOS, Dimension, Indicator, Period
from .models import CentreMonthCounter, DailyCounter, MonthlyCounter

Totals = dict[str, int]


# ---------------------------------------------------------------------------------------------
# Periods


def period_range(period: str, on: dt.date) -> tuple[dt.date, dt.date]:
    if period == Period.DAY:
        return on, on
    if period == Period.WEEK:
        start = on - dt.timedelta(days=on.weekday())
        return start, start + dt.timedelta(days=6)
    if period == Period.MONTH:
        return on.replace(day=1), on.replace(day=calendar.monthrange(on.year, on.month)[1])
    return dt.date(on.year, 1, 1), dt.date(on.year, 12, 31)


def shift(period: str, on: dt.date, steps: int) -> dt.date:
    """The same period `steps` earlier (negative) or later."""
    if period == Period.DAY:
        return on + dt.timedelta(days=steps)
    if period == Period.WEEK:
        return on + dt.timedelta(weeks=steps)
    if period == Period.MONTH:
        month = on.year * 12 + on.month - 1 + steps
        return dt.date(month // 12, month % 12 + 1, 1)
    return dt.date(on.year + steps, 1, 1)


def bucket_of(period: str) -> Callable[[dt.date], str]:
    """Trend buckets inside a period: a year by month, anything shorter by day."""
    if period == Period.YEAR:
        return lambda d: f"{d:%Y-%m}"
    return lambda d: d.isoformat()


# ---------------------------------------------------------------------------------------------
# Scope


@dataclass(frozen=True)
class Scope:
    """Rows a viewer may read. `everything` for county leaders and administrators; otherwise the union of a
    centre subtree (a township leader) and departments (a department's leader)."""

    everything: bool = False
    centre_ids: frozenset[int] = field(default_factory=frozenset)
    department_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.everything or self.centre_ids or self.department_ids)

    def q(self, centre: str = "centre_id", department: str = "department_id") -> Q:
        if self.everything:
            return Q()
        if self.empty:
            return Q(pk__in=[])
        q = Q()
        if self.centre_ids:
            q |= Q(**{f"{centre}__in": sorted(self.centre_ids)})
        if self.department_ids:
            q |= Q(**{f"{department}__in": sorted(self.department_ids)})
        return q


def scope_for(user: Any) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    from onewindow.cases.permissions import _descendant_ids

    centres: set[int] = set()
    departments: set[int] = set()
    for role in StaffRole.objects.filter(user=user, role__in=[Role.LEADER, Role.SYSTEM_ADMIN]):
        if role.role == Role.SYSTEM_ADMIN or not (role.centre_id or role.department_id):
            return Scope(everything=True)
        if role.centre_id:
            centres |= _descendant_ids({role.centre_id})
        if role.department_id:
            departments.add(role.department_id)
    return Scope(centre_ids=frozenset(centres), department_ids=frozenset(departments))


# ---------------------------------------------------------------------------------------------
# Filters (the drill-down path)


@dataclass(frozen=True)
class Filters:
    centre_ids: frozenset[int] | None = None  # a centre and its subtree
    department_id: int | None = None
    item_id: int | None = None
    channel: str | None = None

    def q(self, dims: dict[str, str]) -> Q:
        q = Q()
        if self.centre_ids is not None:
            q &= Q(**{f"{dims['centre']}__in": sorted(self.centre_ids)})
        if self.department_id is not None:
            q &= Q(**{dims["department"]: self.department_id})
        if self.item_id is not None:
            q &= Q(**{dims["item"]: self.item_id})
        if self.channel:
            q &= Q(**{dims["channel"]: self.channel})
        return q


COUNTER_DIMS = {"centre": "centre_id", "department": "department_id", "item": "item_id", "channel": "channel",
                "staff": "staff_id", "day": "day"}
MONTHLY_DIMS = {"centre": "centre_id", "department": "department_id", "item": "item_id", "channel": "channel",
                "month": "month"}


def _zero() -> Totals:
    return dict.fromkeys(METRICS, 0)


def level_key(centre_levels: dict[int, str]) -> Callable[[Any], Any]:
    return lambda centre_id: centre_levels.get(centre_id, "")


def centre_levels() -> dict[int, str]:
    return dict(ServiceCentre.objects.values_list("id", "level"))


def whole_months(start: dt.date, end: dt.date) -> bool:
    return start.day == 1 and (end + dt.timedelta(days=1)).day == 1


def figures(*, start: dt.date, end: dt.date, by: str | None, scope: Scope, filters: Filters | None = None,
            levels: dict[int, str] | None = None) -> dict[Any, Totals]:
    """Sums of every metric over [start, end], grouped by a dimension, by "day" or "month" (or one total under
    the key None).

    Whole months read a monthly roll-up, an order of magnitude smaller than the daily rows on a county-year:
    month × centre × department when neither an item nor a channel is involved, month × centre × department ×
    item × channel when one is (not split by staff or by day); everything else reads the daily rows. Both are kept by the same
    upsert, so the answer is the same (tests compare both with a full recount)."""
    sums = {m: Sum(m) for m in METRICS}
    qs: Any
    coarse = not (filters and (filters.item_id is not None or filters.channel))
    if by in (None, "month", Dimension.CENTRE, Dimension.LEVEL, Dimension.DEPARTMENT) and coarse and whole_months(
            start, end):
        qs = CentreMonthCounter.objects.filter(month__gte=start, month__lte=end)
        dims = MONTHLY_DIMS
    elif by not in ("staff", "day") and whole_months(start, end):
        qs = MonthlyCounter.objects.filter(month__gte=start, month__lte=end)
        dims = MONTHLY_DIMS
    elif by == "month":
        raise ValueError("a monthly breakdown needs whole months")
    else:
        qs = DailyCounter.objects.filter(day__gte=start, day__lte=end)
        dims = COUNTER_DIMS
    qs = qs.filter(scope.q())
    if filters:
        qs = qs.filter(filters.q(dims))
    if by is None:
        row = qs.aggregate(**sums)
        return {None: {m: row[m] or 0 for m in METRICS}}
    field_name = dims["centre" if by == Dimension.LEVEL else by]
    result: dict[Any, Totals] = {}
    mapper = level_key(levels if levels is not None else centre_levels()) if by == Dimension.LEVEL else None
    for row in qs.values(field_name).annotate(**sums).order_by():
        key = row[field_name]
        if mapper:
            key = mapper(key)
        if isinstance(key, dt.date):
            key = key.isoformat()[:7] if by == "month" else key.isoformat()
        bucket = result.setdefault(key, _zero())
        for m in METRICS:
            bucket[m] += row[m] or 0
    return {k: v for k, v in result.items() if any(v.values())}


def indicators(t: Totals) -> dict[str, float | int | None]:
    values: dict[str, float | int | None] = {}
    for ind in Indicator:
        if ind in RATIOS:
            num, den = RATIOS[ind]
            values[ind] = round(100 * t[num] / t[den], 1) if t[den] else None
        elif ind in AVERAGES:
            num, den = AVERAGES[ind]
            values[ind] = round(t[num] / t[den], 2) if t[den] else None
        else:
            values[ind] = t[ind]
    return values


def trend(*, period: str, start: dt.date, end: dt.date, scope: Scope, filters: Filters | None) -> list[
        tuple[str, Totals]]:
    key_of = bucket_of(period)
    buckets: dict[str, Totals] = {}
    day = start
    while day <= end:
        buckets.setdefault(key_of(day), _zero())
        day += dt.timedelta(days=1)
    if period == Period.YEAR:  # a year by month: the monthly roll-up, twelve rows per slice
        monthly = figures(start=start, end=end, by="month", scope=scope, filters=filters)
        for month, totals in monthly.items():
            buckets[month] = totals
        return list(buckets.items())
    daily = figures(start=start, end=end, by="day", scope=scope, filters=filters)
    for day_iso, totals in daily.items():
        bucket = buckets[key_of(dt.date.fromisoformat(day_iso))]
        for m in METRICS:
            bucket[m] += totals[m]
    return list(buckets.items())


def labels(by: str, keys: Iterable[Any]) -> dict[Any, str]:
    """Display names for one dimension's keys, one query at most."""
    keys = [k for k in keys if k not in (None, "", 0)]
    none = {0: _("（无）"), "": _("（无）"), None: _("合计")}
    if by == Dimension.LEVEL:
        return none | {k: str(CentreLevel(k).label) for k in keys if k in CentreLevel.values}
    if by == Dimension.CHANNEL:
        return none | {k: str(Channel(k).label) for k in keys if k in Channel.values}
    model: Any = {Dimension.CENTRE: ServiceCentre, Dimension.DEPARTMENT: Department, Dimension.ITEM: ServiceItem,
                  Dimension.STAFF: get_user_model()}.get(by)  # type: ignore[call-overload]
    if model is None:
        return none | {k: str(k) for k in keys}
    if by == Dimension.STAFF:
        return none | {u.pk: u.first_name or u.get_username() for u in model.objects.filter(pk__in=keys)}
    return none | {o.pk: str(o) for o in model.objects.filter(pk__in=keys)}

"""Leaders' dashboard under /staff/stats/: period and slice selectors, charts, drill-down county → centre →
item, Excel export of every table, and a printable monthly report. Reads DailyCounter only."""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from onewindow.cases.choices import Channel
from onewindow.catalog.models import ServiceItem
from onewindow.core import clock
from onewindow.hall.views_staff import staff_only
from onewindow.org.models import Department, ServiceCentre

from .choices import Dimension, Indicator, Period
from .models import StatBacklog
from .selectors import Filters, Scope, figures, indicators, labels, period_range, scope_for, shift, trend
from .services import flush

logger = logging.getLogger("onewindow.stats")

# Columns of every table: the indicators leaders read, in BRIEF §1 order.
COLUMNS = list(Indicator)
PERCENT = {Indicator.INSTANT_SHARE, Indicator.ON_TIME_RATE, Indicator.AT_MOST_ONCE_RATE, Indicator.ZERO_VISIT_RATE,
           Indicator.ONLINE_SHARE, Indicator.SATISFACTION, Indicator.FOLLOW_UP_RATE, Indicator.CLAIM_RATE}
# Drill-down: from a row of this slice, the next slice to open.
NEXT = {Dimension.LEVEL: Dimension.CENTRE, Dimension.CENTRE: Dimension.ITEM, Dimension.DEPARTMENT: Dimension.ITEM,
        Dimension.ITEM: Dimension.STAFF, Dimension.CHANNEL: Dimension.ITEM}


@dataclass
class Query:
    period: str
    on: dt.date
    start: dt.date
    end: dt.date
    by: str
    filters: Filters
    params: dict[str, str]
    centre: ServiceCentre | None
    department: Department | None
    item: ServiceItem | None


def _parse(request: HttpRequest, scope: Scope) -> Query:
    """Bad input falls back to defaults (never a 500): an unknown period, slice, date or code is ignored."""
    g = request.GET
    period = g.get("period") if g.get("period") in Period.values else Period.MONTH
    on = _date(g.get("on", ""))
    by = g.get("by") if g.get("by") in Dimension.values else Dimension.CENTRE
    start, end = period_range(period, on)
    from onewindow.cases.permissions import _descendant_ids

    centre = ServiceCentre.objects.filter(code=g.get("centre", "")).first() if g.get("centre") else None
    department = Department.objects.filter(pk=_int(g.get("department"))).first() if g.get("department") else None
    item = ServiceItem.objects.filter(pk=_int(g.get("item"))).first() if g.get("item") else None
    channel = g.get("channel") if g.get("channel") in Channel.values else None
    filters = Filters(centre_ids=frozenset(_descendant_ids({centre.pk})) if centre else None,
                      department_id=department.pk if department else None, item_id=item.pk if item else None,
                      channel=channel)
    params = {"period": period, "on": on.isoformat(), "by": by}
    if centre:
        params["centre"] = centre.code
    if department:
        params["department"] = str(department.pk)
    if item:
        params["item"] = str(item.pk)
    if channel:
        params["channel"] = channel
    return Query(period, on, start, end, by, filters, params, centre, department, item)


def _date(value: str) -> dt.date:
    """An ISO date within the years the calendar can page through (the previous/next links must exist)."""
    try:
        on = dt.date.fromisoformat(value)
    except ValueError:
        return clock.today()
    return on if 2000 <= on.year <= 2100 else clock.today()


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "hall/forbidden.html", {"message": _("统计分析仅限领导和系统管理员查看。")}, status=403)


def _cell(ind: str, value: Any) -> str:
    if value is None:
        return "—"
    return f"{value}%" if ind in PERCENT else str(value)


def fold_pending() -> None:
    """Fold what the worker has not folded yet before reading: the figures are exact even between passes or
    with the worker stopped (a no-op when the backlog is empty: one skip-locked SELECT)."""
    try:
        if StatBacklog.objects.exists():  # one cheap query when the worker is keeping up
            flush()
    except DatabaseError:  # a busy moment: show the figures as folded so far rather than an error page
        logger.warning("stats_fold_on_read_failed", exc_info=True)


def _tables(q: Query, scope: Scope) -> dict[str, Any]:
    total = figures(start=q.start, end=q.end, by=None, scope=scope, filters=q.filters)[None]
    rows = figures(start=q.start, end=q.end, by=q.by, scope=scope, filters=q.filters)
    names = labels(q.by, rows.keys())
    breakdown = sorted(rows.items(), key=lambda kv: (-kv[1]["received"], str(names.get(kv[0], kv[0]))))
    series = trend(period=q.period, start=q.start, end=q.end, scope=scope, filters=q.filters)
    return {"total": indicators(total), "rows": [(k, names.get(k, str(k)), indicators(t)) for k, t in breakdown],
            "trend": [(bucket, indicators(t)) for bucket, t in series]}


@staff_only
@never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if scope.empty:
        return _forbidden(request)
    fold_pending()
    q = _parse(request, scope)
    data = _tables(q, scope)
    codes = {}
    if q.by == Dimension.CENTRE:
        codes = dict(ServiceCentre.objects.filter(pk__in=[r[0] for r in data["rows"]]).values_list("pk", "code"))
    rows = []
    for key, name, values in data["rows"]:
        link = None
        nxt = NEXT.get(Dimension(q.by))
        if nxt and key not in (None, "", 0):
            params = dict(q.params, by=nxt)
            if q.by == Dimension.CENTRE:
                params["centre"] = codes.get(key, "")
            elif q.by == Dimension.LEVEL:
                params["by"] = Dimension.CENTRE
            else:
                params[{"department": "department", "item": "item", "channel": "channel"}[q.by]] = str(key)
            link = "?" + urlencode(params)
        rows.append({"name": name, "link": link, "cells": [_cell(c, values[c]) for c in COLUMNS], "values": values})
    crumbs = [(_("全县"), "?" + urlencode({k: v for k, v in q.params.items()
                                          if k in ("period", "on")} | {"by": Dimension.CENTRE}))]
    if q.centre:
        crumbs.append((q.centre.name, "?" + urlencode({k: v for k, v in q.params.items() if k != "item"}
                                                       | {"by": Dimension.ITEM})))
    if q.item:
        crumbs.append((q.item.name, None))
    chart = {
        "labels": [b for b, _v in data["trend"]],
        "received": [v[Indicator.RECEIVED] for _b, v in data["trend"]],
        "completed": [v[Indicator.COMPLETED] for _b, v in data["trend"]],
        "on_time_rate": [v[Indicator.ON_TIME_RATE] for _b, v in data["trend"]],
        "satisfaction": [v[Indicator.SATISFACTION] for _b, v in data["trend"]],
        "slice_labels": [r["name"] for r in rows[:15]],
        "slice_received": [r["values"][Indicator.RECEIVED] for r in rows[:15]],
    }
    return render(request, "stats/dashboard.html", {
        "q": q, "columns": [(c, Indicator(c).label) for c in COLUMNS], "headline": [
            (Indicator(c).label, _cell(c, data["total"][c])) for c in COLUMNS],
        "rows": rows, "trend": [(b, [_cell(c, v[c]) for c in COLUMNS]) for b, v in data["trend"]],
        "periods": Period.choices, "dimensions": Dimension.choices, "crumbs": crumbs, "chart": chart,
        "prev": "?" + urlencode(dict(q.params, on=shift(q.period, q.on, -1).isoformat())),
        "next": "?" + urlencode(dict(q.params, on=shift(q.period, q.on, 1).isoformat())),
        "export": "export.xlsx?" + urlencode(q.params),
        "report": "report/?" + urlencode({"on": q.on.isoformat()}),
    })


@staff_only
@never_cache
def export(request: HttpRequest) -> HttpResponse:
    """Every table of the dashboard (headline, breakdown, trend) as sheets of one workbook."""
    from openpyxl import Workbook

    scope = scope_for(request.user)
    if scope.empty:
        return _forbidden(request)
    fold_pending()
    q = _parse(request, scope)
    data = _tables(q, scope)
    header = [str(Indicator(c).label) for c in COLUMNS]
    book = Workbook()
    sheet = book.active
    sheet.title = _("总体")
    sheet.append([_("统计期间"), f"{q.start} — {q.end}"])
    sheet.append([_("范围"), " / ".join(x for x in [q.centre.name if q.centre else _("全县"),
                                                   q.item.name if q.item else ""] if x)])
    sheet.append(header)
    sheet.append([data["total"][c] for c in COLUMNS])
    by_sheet = book.create_sheet(str(Dimension(q.by).label))
    by_sheet.append([str(Dimension(q.by).label), *header])
    for _key, name, values in data["rows"]:
        by_sheet.append([name, *[values[c] for c in COLUMNS]])
    trend_sheet = book.create_sheet(_("趋势"))
    trend_sheet.append([_("日期"), *header])
    for bucket, values in data["trend"]:
        trend_sheet.append([bucket, *[values[c] for c in COLUMNS]])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="stats-{q.period}-{q.start}.xlsx"'
    return response


@staff_only
@never_cache
def report(request: HttpRequest) -> HttpResponse:
    """The monthly report, laid out for printing (print CSS, one A4 portrait page per section)."""
    scope = scope_for(request.user)
    if scope.empty:
        return _forbidden(request)
    fold_pending()
    on = _date(request.GET.get("on", ""))
    start, end = period_range(Period.MONTH, on)
    prev_start, prev_end = period_range(Period.MONTH, shift(Period.MONTH, on, -1))
    total = indicators(figures(start=start, end=end, by=None, scope=scope)[None])
    previous = indicators(figures(start=prev_start, end=prev_end, by=None, scope=scope)[None])
    sections = []
    for by in (Dimension.LEVEL, Dimension.DEPARTMENT, Dimension.CHANNEL, Dimension.ITEM):
        rows = figures(start=start, end=end, by=by, scope=scope)
        names = labels(by, rows.keys())
        ordered = sorted(rows.items(), key=lambda kv: -kv[1]["received"])[:20]
        sections.append((Dimension(by).label, [(names.get(k, str(k)), [_cell(c, indicators(t)[c]) for c in COLUMNS])
                                               for k, t in ordered]))
    return render(request, "stats/report.html", {
        "start": start, "end": end, "columns": [(c, Indicator(c).label) for c in COLUMNS],
        "headline": [(Indicator(c).label, _cell(c, total[c]), _cell(c, previous[c])) for c in COLUMNS],
        "sections": sections})

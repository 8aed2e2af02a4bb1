"""What each source object contributes to the daily counters.

One function per source kind, each working on a batch of ids with a fixed number of queries (flush and
rebuild both use them). `recount.py` computes the same figures independently, with SQL aggregates over the
source tables, so a mistake here shows up as a mismatch in the tests.

Attribution (the day a count belongs to is the local date of):
  received / weekend / online / integrated   the case's received_at          staff: the receiving clerk
  accepted                                    accepted_at                    staff: the clerk
  refused                                     completed_at (refusal time)    staff: the clerk
  completed and its speed / visit figures     completed_at (decision)        staff: the assignee
  ems                                         delivered_at                   staff: the assignee
  ratings                                     the rating's created_at        staff: the rated staff member
  handoffs / claimed                          the handoff's created_at       staff: the claiming liaison;
                                              department: the supervising department
  data_calls                                  the call's time                staff: the caller
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from onewindow.cases.choices import ONLINE_CHANNELS, DeliveryMethod, Status
from onewindow.catalog.choices import CaseKind
from onewindow.ratings.choices import BAD_LEVELS, FollowUpStatus

from .choices import FactKind, Metric

Key = tuple[str, int, int, int, str, int]
Rows = dict[Key, dict[str, int]]

# Statuses that are not a decision: a refusal is counted as refused, a withdrawal not at all.
NOT_COMPLETED = {Status.REFUSED, Status.WITHDRAWN}
FOLLOWED_UP = {FollowUpStatus.RECTIFIED, FollowUpStatus.EXPLAINED}
SATISFIED_LEVELS = {1, 2, 3}  # 非常满意, 满意, 基本满意


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _add(rows: Rows, key: Key, **metrics: int) -> None:
    bucket = rows.setdefault(key, {})
    for name, n in metrics.items():
        if n:
            bucket[name] = bucket.get(name, 0) + n


def case_rows(c: dict[str, Any], instant_kind: bool, integrated: bool) -> Rows:
    rows: Rows = {}
    base = (c["centre_id"] or 0, c["department_id"] or 0, c["item_id"] or 0, c["channel"] or "")
    clerk = c["clerk_id"] or 0
    assignee = c["assignee_id"] or 0
    received = local_day(c["received_at"])
    _add(rows, (received.isoformat(), *base, clerk), received=1, weekend=int(received.weekday() >= 5),
         online=int(c["channel"] in ONLINE_CHANNELS), integrated=int(integrated))
    if c["accepted_at"]:
        _add(rows, (local_day(c["accepted_at"]).isoformat(), *base, clerk), accepted=1)
    if c["completed_at"]:
        done = local_day(c["completed_at"])
        if c["status"] == Status.REFUSED:
            _add(rows, (done.isoformat(), *base, clerk), refused=1)
        elif c["status"] not in NOT_COMPLETED:
            due = c["due_date"]
            used = c["working_days_used"]
            _add(rows, (done.isoformat(), *base, assignee), completed=1, instant=int(instant_kind),
                 timed=int(due is not None), on_time=int(due is not None and done <= due),
                 overdue=int(due is not None and done > due), wd_count=int(used is not None), wd_sum=used or 0,
                 at_most_once=int(c["visits"] <= 1), zero_visit=int(c["visits"] == 0))
    if c["delivered_at"] and c["delivery_method"] == DeliveryMethod.EMS:
        _add(rows, (local_day(c["delivered_at"]).isoformat(), *base, assignee), ems=1)
    return rows


CASE_FIELDS = ("id", "received_at", "accepted_at", "completed_at", "delivered_at", "delivery_method", "status",
               "centre_id", "department_id", "item_id", "channel", "clerk_id", "assignee_id", "due_date",
               "working_days_used", "visits", "item__case_kind")


def cases(ids: Iterable[int]) -> dict[int, Rows]:
    from onewindow.cases.models import Case
    from onewindow.integrated.models import IntegratedCaseChild

    ids = list(ids)
    integrated = set(IntegratedCaseChild.objects.filter(case_id__in=ids).values_list("case_id", flat=True))
    return {c["id"]: case_rows(c, c["item__case_kind"] == CaseKind.INSTANT, c["id"] in integrated)
            for c in Case.objects.filter(pk__in=ids).values(*CASE_FIELDS)}


def ratings(ids: Iterable[int]) -> dict[int, Rows]:
    from onewindow.ratings.models import Rating

    result: dict[int, Rows] = {}
    for r in Rating.objects.filter(pk__in=list(ids)).values(
            "id", "level", "excluded", "created_at", "centre_id", "department_id", "item_id", "staff_id",
            "case__channel", "follow_up__status"):
        rows: Rows = {}
        if not r["excluded"]:
            bad = r["level"] in BAD_LEVELS
            key = (local_day(r["created_at"]).isoformat(), r["centre_id"] or 0, r["department_id"] or 0,
                   r["item_id"] or 0, r["case__channel"] or "", r["staff_id"] or 0)
            _add(rows, key, ratings=1, satisfied=int(r["level"] in SATISFIED_LEVELS), bad=int(bad),
                 bad_followed=int(bad and r["follow_up__status"] in FOLLOWED_UP))
        result[r["id"]] = rows
    return result


def handoffs(ids: Iterable[int]) -> dict[int, Rows]:
    from onewindow.supervision.models import Handoff

    result: dict[int, Rows] = {}
    for h in Handoff.objects.filter(pk__in=list(ids)).values(
            "id", "created_at", "claimed_at", "department_id", "claimed_by_id", "case__centre_id", "case__item_id",
            "case__channel"):
        rows: Rows = {}
        key = (local_day(h["created_at"]).isoformat(), h["case__centre_id"] or 0, h["department_id"] or 0,
               h["case__item_id"] or 0, h["case__channel"] or "", h["claimed_by_id"] or 0)
        _add(rows, key, handoffs=1, claimed=int(h["claimed_at"] is not None))
        result[h["id"]] = rows
    return result


def data_calls(ids: Iterable[int]) -> dict[int, Rows]:
    from onewindow.shareddata.models import DataCall

    result: dict[int, Rows] = {}
    for d in DataCall.objects.filter(pk__in=list(ids)).values(
            "id", "at", "actor_id", "case__centre_id", "case__department_id", "case__item_id", "case__channel"):
        rows: Rows = {}
        key = (local_day(d["at"]).isoformat(), d["case__centre_id"] or 0, d["case__department_id"] or 0,
               d["case__item_id"] or 0, d["case__channel"] or "", d["actor_id"] or 0)
        _add(rows, key, data_calls=1)
        result[d["id"]] = rows
    return result


COMPUTE = {FactKind.CASE: cases, FactKind.RATING: ratings, FactKind.HANDOFF: handoffs, FactKind.DATA_CALL: data_calls}


def source_model(kind: str) -> Any:
    from onewindow.cases.models import Case
    from onewindow.ratings.models import Rating
    from onewindow.shareddata.models import DataCall
    from onewindow.supervision.models import Handoff

    return {FactKind.CASE: Case, FactKind.RATING: Rating, FactKind.HANDOFF: Handoff, FactKind.DATA_CALL: DataCall}[
        FactKind(kind)]


def to_json(rows: Rows) -> list[list[Any]]:
    return [[*key, metrics] for key, metrics in sorted(rows.items()) if metrics]


def from_json(data: list[list[Any]]) -> Rows:
    return {(r[0], r[1], r[2], r[3], r[4], r[5]): r[6] for r in data}


def difference(new: Rows, old: Rows) -> Rows:
    """new − old, per key and metric, leaving out zeros."""
    delta: Rows = {}
    for key in new.keys() | old.keys():
        a, b = new.get(key, {}), old.get(key, {})
        changed = {m: a.get(m, 0) - b.get(m, 0) for m in a.keys() | b.keys()}
        changed = {m: n for m, n in changed.items() if n}
        if changed:
            delta[key] = changed
    return delta


def merge(into: Rows, rows: Rows) -> None:
    for key, metrics in rows.items():
        _add(into, key, **metrics)


def empty_totals() -> dict[str, int]:
    return dict.fromkeys(Metric.values, 0)


def group(rows_by_object: dict[int, Rows]) -> Rows:
    total: Rows = defaultdict(dict)
    for rows in rows_by_object.values():
        merge(total, rows)
    return total

"""Keeping the counters: mark a source object dirty in its business transaction, fold the difference of its
contribution into the daily rows after commit, rebuild everything from the source tables on demand.

Concurrency: the flush locks the source rows it recomputes (SELECT … FOR UPDATE, in id order), so it waits
for a clerk's transaction on the same case and then reads the committed state; two flushes of one object are
serialised the same way and the second finds nothing left to add. Counter rows are changed only by an upsert
that adds (n = n + excluded.n), so concurrent flushes touching the same day/centre/item row cannot lose counts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from onewindow.audit.services import record_event

from . import facts
from .choices import METRICS, FactKind
from .models import CentreMonthCounter, DailyCounter, MonthlyCounter, StatBacklog, StatFact

logger = logging.getLogger("onewindow.stats")

_KEY = ("day", "centre_id", "department_id", "item_id", "channel", "staff_id")
_MONTH_KEY = ("month", "centre_id", "department_id", "item_id", "channel")


def _upsert_sql(table: str, key: tuple[str, ...]) -> str:
    columns = ", ".join((*key, *METRICS))
    marks = ", ".join(["%s"] * (len(key) + len(METRICS)))
    updates = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in METRICS)
    # Only our own table and column names are interpolated; every value is a bound parameter.
    return (f"INSERT INTO {table} ({columns}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}")


_CENTRE_MONTH_KEY = ("month", "centre_id", "department_id")


def add_to_counters(rows: facts.Rows) -> None:
    """Add `rows` (possibly negative) to the daily counters and their two monthly roll-ups, one executemany
    upsert each, in the caller's transaction."""
    params: list[list[Any]] = []
    monthly: dict[tuple[Any, ...], list[int]] = {}
    centre_monthly: dict[tuple[Any, ...], list[int]] = {}
    for key, metrics in rows.items():
        if not metrics:
            continue
        values = [metrics.get(m, 0) for m in METRICS]
        params.append([*key, *values])
        day, centre, department, item, channel, _staff = key
        month = str(day)[:7] + "-01"
        for rollup, rollup_key in ((monthly, (month, centre, department, item, channel)),
                                   (centre_monthly, (month, centre, department))):
            bucket = rollup.setdefault(rollup_key, [0] * len(METRICS))
            for i, n in enumerate(values):
                bucket[i] += n
    if not params:
        return
    # Sorted keys and a fixed table order (daily, monthly, centre-monthly): concurrent flushes take the counter
    # rows' locks in the same order, so they wait for each other instead of deadlocking.
    params.sort(key=lambda p: tuple(p[:6]))
    with connection.cursor() as cursor:
        cursor.executemany(_upsert_sql(DailyCounter._meta.db_table, _KEY), params)
        for model, columns, rollup in ((MonthlyCounter, _MONTH_KEY, monthly),
                                       (CentreMonthCounter, _CENTRE_MONTH_KEY, centre_monthly)):
            rollup_params = sorted([*k, *v] for k, v in rollup.items() if any(v))
            if rollup_params:
                cursor.executemany(_upsert_sql(model._meta.db_table, columns), rollup_params)


# ---------------------------------------------------------------------------------------------
# Marking and flushing


def mark_dirty(kind: str, object_id: int) -> None:
    """Called inside the business transaction (from the audit-event hook): remember that the object changed.

    The backlog row is folded by the worker's next pass (`onewindow worker`), by any dashboard page before it
    reads (fold on read, so leaders always see exact figures), or — with
    settings.ONEWINDOW_STATS_FOLD_AFTER_COMMIT — right after this transaction commits. Folding in the worker
    keeps a dozen queries and a second commit out of every clerk's request (bench/intake.py)."""
    StatBacklog.objects.create(kind=kind, object_id=object_id)
    if not settings.ONEWINDOW_STATS_FOLD_AFTER_COMMIT:
        return
    conn = transaction.get_connection()
    # One flush per transaction, however many events it writes (a rolled-back transaction drops the callback
    # together with the backlog rows).
    if not any(entry[1] is _flush_after_commit for entry in conn.run_on_commit):
        transaction.on_commit(_flush_after_commit)


def _flush_after_commit() -> None:
    try:
        flush()
    except DatabaseError:
        # A deadlock or a busy database: the backlog rows are still there and the next flush takes them.
        logger.exception("stats_flush_failed")


def flush(batch: int = 500) -> int:
    """Fold every backlog row into the counters; returns how many objects were recomputed."""
    done = 0
    while True:
        with transaction.atomic():
            claimed = list(StatBacklog.objects.select_for_update(skip_locked=True).order_by("id")
                           .values_list("id", "kind", "object_id")[:batch])
            if not claimed:
                return done
            by_kind: dict[str, set[int]] = {}
            for _id, kind, object_id in claimed:
                by_kind.setdefault(kind, set()).add(object_id)
            for kind, ids in by_kind.items():
                done += _refresh(kind, ids)
            StatBacklog.objects.filter(pk__in=[row[0] for row in claimed]).delete()


def _refresh(kind: str, ids: Iterable[int]) -> int:
    ids = sorted(ids)
    model = facts.source_model(kind)
    # Lock the sources first (the order case services use), then read their committed state.
    list(model.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    new = facts.COMPUTE[FactKind(kind)](ids)
    stored = {f.object_id: f for f in StatFact.objects.select_for_update().filter(kind=kind, object_id__in=ids)}
    delta: facts.Rows = {}
    to_create, to_update = [], []
    for object_id in ids:
        rows = new.get(object_id, {})  # a deleted source contributes nothing
        fact = stored.get(object_id)
        old = facts.from_json(fact.rows) if fact else {}
        diff = facts.difference(rows, old)
        if not diff:
            continue
        facts.merge(delta, diff)
        if fact is None:
            to_create.append(StatFact(kind=kind, object_id=object_id, rows=facts.to_json(rows)))
        else:
            fact.rows = facts.to_json(rows)
            to_update.append(fact)
    StatFact.objects.bulk_create(to_create)
    StatFact.objects.bulk_update(to_update, ["rows"])
    add_to_counters(delta)
    return len(ids)


# ---------------------------------------------------------------------------------------------
# Rebuild


def rebuild(*, actor: Any = None, batch: int = 2000, progress: Any = None) -> dict[str, int]:
    """Recompute every fact and counter from the source tables (after a bulk load, a data repair, or a change
    of definitions). Runs in one transaction: readers see the old figures until it commits."""
    counts: dict[str, int] = {}
    with transaction.atomic():
        StatBacklog.objects.all().delete()
        StatFact.objects.all().delete()
        DailyCounter.objects.all().delete()
        MonthlyCounter.objects.all().delete()
        CentreMonthCounter.objects.all().delete()
        totals: facts.Rows = {}
        for kind in FactKind:
            model = facts.source_model(kind)
            last = 0
            counts[kind] = 0
            while True:
                ids = list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
                if not ids:
                    break
                last = ids[-1]
                computed = facts.COMPUTE[kind](ids)
                StatFact.objects.bulk_create(
                    [StatFact(kind=kind, object_id=i, rows=facts.to_json(r)) for i, r in computed.items()],
                    batch_size=batch)
                for rows in computed.values():
                    facts.merge(totals, rows)
                counts[kind] += len(ids)
                if len(totals) > 200_000:  # keep memory bounded on a county-year
                    add_to_counters(totals)
                    totals = {}
                if progress:
                    progress(kind, counts[kind])
        add_to_counters(totals)
        record_event(actor=actor, action="stats_rebuilt", object_type="stats", object_id="all",
                     summary=", ".join(f"{k}={n}" for k, n in counts.items()), data=counts)
    return counts

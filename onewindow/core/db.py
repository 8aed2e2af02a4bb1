"""Database helpers shared by the hot read paths."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def fixed_join_order() -> Iterator[None]:
    """On PostgreSQL, plan the queries run inside in the join order they are written (join_collapse_limit = 1).

    A case row joined to its item, applicant, centre, department and section (the case list; up to eleven
    tables for the whole case) spent 3-5 ms of a 4-6 ms query choosing a join order, on every request
    (bench/caselist.py, EXPLAIN SUMMARY). Our select_related queries start from the case and follow foreign
    keys to primary keys, which is already the best order, so the search buys nothing. Only the queries inside
    the block are affected: the setting is transaction-local and reset on the way out. SQLite: no-op.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL join_collapse_limit = 1")
        try:
            yield
        finally:
            if not connection.needs_rollback:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL join_collapse_limit TO DEFAULT")

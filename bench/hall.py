"""Ticket issue and call throughput, against a no-op baseline measured in the same run.

The baseline is the cheapest thing a service can do: one transaction with one statement (``SELECT 1``).
Each row says how many of the real operation fit in the time of one baseline round trip, so the ratio
travels between machines better than an absolute rate. On PostgreSQL the run adds threads: several kiosks
issuing at once and several windows calling at once (each thread with its own connection).

Usage: python -m bench.hall [--quick]
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from bench.common import print_table, rate, setup_django, write_results


def _threaded_rate(jobs: int, per_thread: Callable[[int], Callable[[], Any]], seconds: float) -> tuple[float, int]:
    """Operations per second over `jobs` threads, each calling its function until the time is up."""
    from django.db import connection

    counts = [0] * jobs
    errors: list[BaseException] = []
    stop = threading.Event()
    barrier = threading.Barrier(jobs + 1)

    def work(index: int) -> None:
        fn = per_thread(index)
        try:
            barrier.wait()
            while not stop.is_set():
                fn()
                counts[index] += 1
        except BaseException as exc:  # noqa: BLE001 - reported with the figures
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(jobs)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return sum(counts) / elapsed, sum(counts)


def main(quick: bool = False) -> list[dict[str, Any]]:
    setup_django()
    from django.db import connection, transaction
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, keepdb=False)
    rows: list[dict[str, Any]] = []
    try:
        from django.db.models import Count

        from onewindow.hall import services
        from onewindow.hall.models import Call, Ticket
        from onewindow.hall.testing import make_hall

        seconds = 0.4 if quick else 2.0
        hall = make_hall(windows=8, clerks=8, specialised=False)
        category = hall.categories["A"]

        def noop() -> None:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT 1")

        baseline = rate(noop, min_seconds=seconds, min_calls=50)

        def issue() -> None:
            services.issue_ticket(actor=None, category=category)

        counter = iter(range(10**9))

        def issue_identified() -> None:
            n = next(counter)
            services.issue_ticket(actor=None, category=hall.categories["B"], phone=f"139{n:08d}")

        issue_rate = rate(issue, min_seconds=seconds, min_calls=20)
        issue_id_rate = rate(issue_identified, min_seconds=seconds, min_calls=20)

        clerk = hall.clerks["clerk1"]
        window = services.take_window(actor=clerk, window=hall.windows["1"])

        def call_and_finish() -> None:
            if services.call_next(actor=clerk, window=window) is None:
                raise RuntimeError("queue ran dry: issue more tickets before measuring calls")
            services.finish_service(actor=clerk, window=window)

        waiting = Ticket.objects.filter(status="waiting").count()
        call_rate = rate(call_and_finish, min_seconds=min(seconds, waiting / 400), min_calls=10)

        def row(measure: str, per_second: float, note: str = "") -> dict[str, Any]:
            return {"measure": measure, "per_second": per_second, "baseline": "no-op transaction (SELECT 1)",
                    "baseline_per_second": baseline, "ratio": per_second / baseline, "note": note}

        rows += [
            row("issue ticket (walk-in)", issue_rate, "counter UPDATE + insert + event + audit"),
            row("issue ticket (with phone)", issue_id_rate, "+ keyed hash + duplicate check"),
            row("call next + finish", call_rate, f"one window, {waiting} waiting at start"),
        ]

        if connection.vendor == "postgresql":
            kiosks = 8

            def kiosk(index: int) -> Callable[[], Any]:
                return lambda: services.issue_ticket(actor=None, category=category)

            par_issue, issued = _threaded_rate(kiosks, kiosk, seconds)
            numbers = list(Ticket.objects.filter(issued_category=category).order_by("number")
                           .values_list("number", flat=True))
            gap_free = numbers == list(range(1, len(numbers) + 1))
            rows.append(row(f"issue ticket, {kiosks} kiosks at once", par_issue,
                            f"{issued} tickets; numbers unique and gap-free: {gap_free}"))
            for _ in range(int(par_issue * seconds * 2) + 200):
                services.issue_ticket(actor=None, category=category)
            windows = [services.take_window(actor=hall.clerks[f"clerk{n}"], window=hall.windows[str(n)])
                       for n in range(2, 6)]

            def caller(index: int) -> Callable[[], Any]:
                user, hw = hall.clerks[f"clerk{index + 2}"], windows[index]

                def go() -> None:
                    if services.call_next(actor=user, window=hw) is not None:
                        services.finish_service(actor=user, window=hw)

                return go

            par_call, calls = _threaded_rate(len(windows), caller, seconds)
            twice = Call.objects.values("ticket").annotate(n=Count("id")).filter(n__gt=1).exists()
            rows.append(row(f"call + finish, {len(windows)} windows at once", par_call,
                            f"{calls} calls; a ticket called twice: {twice}"))
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)
    print_table(f"hall: ticket issue and call throughput ({connection.vendor})", rows)
    write_results("hall", rows)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

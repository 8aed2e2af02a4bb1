"""Outbound delivery: webhook throughput through the outbox, and the latency from a decision to its webhook.

Baselines, measured in the same run against the same local receiver (http.server on 127.0.0.1):
- throughput: a raw urllib POST loop (no database, no signature, no retry bookkeeping);
- latency: one raw POST round trip (what posting inside the request would cost the window).

The database is a throwaway one: SQLite in a temporary VAR_DIR, or, with DATABASE_URL set, Django's test
database next to it (test_<name>), dropped at the end. The worker is a real `onewindow worker` process.

Usage: python -m bench.outbox [--quick]
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import print_table, setup_django, write_results

ROOT = Path(__file__).resolve().parent.parent


def _raw_post_loop(url: str, bodies: list[bytes]) -> float:
    """Messages per second of a plain POST loop: the ceiling a delivery loop could reach."""
    opener = urllib.request.build_opener()
    start = time.perf_counter()
    for body in bodies:
        request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 - local receiver
                                         headers={"Content-Type": "application/json"})
        with opener.open(request, timeout=10) as response:  # noqa: S310
            response.read()
    return len(bodies) / (time.perf_counter() - start)


def _start_worker(env: dict[str, str], interval: float) -> subprocess.Popen[str]:
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and command, no user input
        [sys.executable, "-m", "onewindow", "worker", "--interval", str(interval), "--sweep", "3600"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert worker.stdout is not None
    line = worker.stdout.readline()  # "worker … started" once Django is up
    if "started" not in line:
        worker.kill()
        raise RuntimeError(f"worker did not start: {line!r}")
    return worker


def main(quick: bool = False) -> list[dict[str, Any]]:
    tmp = tempfile.mkdtemp(prefix="ow-bench-outbox-")
    using_postgres = bool(os.environ.get("DATABASE_URL"))
    setup_django(var_dir=None if using_postgres else tmp)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = None
    if using_postgres:
        old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    else:
        call_command("migrate", verbosity=0)  # VAR_DIR/onewindow.sqlite3: the file the worker process opens too
    worker = None
    try:
        from onewindow.outbox.models import OutboxMessage, OutboxStatus
        from onewindow.outbox.services import deliver_due
        from onewindow.supervision.testing import World
        from onewindow.testing import person
        from onewindow.webhooks.choices import EventType
        from onewindow.webhooks.models import Subscriber
        from onewindow.webhooks.services import canonical_body, publish_event, save_subscriber
        from onewindow.webhooks.tests.receiver import Receiver

        receiver = Receiver().start()
        n = 200 if quick else 1000
        with transaction.atomic():
            subscriber = save_subscriber(actor=None, subscriber=Subscriber(name="bench", url=receiver.url))
            for i in range(n):
                publish_event(EventType.CASE_ACCEPTED, data={"case": {"number": f"bench-{i:06d}"}})
        bodies = [canonical_body(m.payload["event"]) for m in OutboxMessage.objects.filter(channel="webhook")]

        # -- throughput: the outbox loop (claim, sign, POST, log, mark sent) vs a raw POST loop ---------
        baseline = _raw_post_loop(receiver.url, bodies)
        receiver.requests.clear()
        start = time.perf_counter()
        while OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists():
            deliver_due(limit=500)
        ours = n / (time.perf_counter() - start)
        assert len(receiver.unique_keys) == n, "every message must arrive"

        # -- latency: a decision, committed, to the webhook arriving, with a real worker process -------
        subscriber.event_types = [EventType.CASE_DECIDED]
        with transaction.atomic():
            save_subscriber(actor=None, subscriber=subscriber)
        world = World()
        from onewindow.cases import services as cases

        approver = world.user("approver")
        m = 8 if quick else 25
        ready = [cases.start_review(actor=approver, case=world.accepted(world.unsupervised, applicant=person(100 + i)))
                 for i in range(m + 1)]
        env = dict(os.environ, ONEWINDOW_TESTING="1", PYTHONUNBUFFERED="1")
        if using_postgres:
            s = connection.settings_dict
            env["DATABASE_URL"] = (f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:{s['PORT'] or 5432}/"
                                   f"{s['NAME']}")
        else:
            env["VAR_DIR"] = tmp
        interval = 0.25  # what `make run` starts the worker with
        worker = _start_worker(env, interval)
        latencies, decide_ms, raw_ms = [], [], []
        rng = random.Random(1)
        for case in ready:
            # Decisions arrive one at a time with the worker idle (asleep), as on a normal day; back-to-back
            # decisions would find it awake from the previous one's nudge and look faster than they are.
            # A random pause, so decisions land at every phase of the worker's sleep.
            time.sleep(rng.uniform(interval, 2 * interval))
            receiver.requests.clear()
            receiver.arrived.clear()
            t0 = time.monotonic()  # the receiver stamps arrivals with time.monotonic() too
            cases.decide_case(actor=approver, case=case, approve=True, opinion="准予")
            committed = time.monotonic()
            if not receiver.arrived.wait(30):
                raise RuntimeError("the webhook of a decision did not arrive within 30 s")
            latencies.append((receiver.requests[0].started - committed) * 1000)
            decide_ms.append((committed - t0) * 1000)
            t1 = time.perf_counter()
            _raw_post_loop(receiver.url, [bodies[0]])
            raw_ms.append((time.perf_counter() - t1) * 1000)
        latencies, decide_ms, raw_ms = latencies[1:], decide_ms[1:], raw_ms[1:]  # the first warms caches
        p50 = statistics.median(latencies)
        p95 = sorted(latencies)[max(0, int(len(latencies) * 0.95) - 1)]
        raw = statistics.median(raw_ms)
        rows: list[dict[str, Any]] = [
            {"measure": f"webhook delivery, 1 worker ({n} messages)", "value": ours, "unit": "msg/s",
             "baseline": "raw urllib POST loop", "baseline_value": baseline, "ratio": ours / baseline},
            {"measure": f"decision → webhook p50 (worker --interval {interval})", "value": p50, "unit": "ms",
             "baseline": "one raw POST round trip", "baseline_value": raw, "ratio": p50 / raw},
            {"measure": f"decision → webhook p95 (worker --interval {interval})", "value": p95, "unit": "ms",
             "baseline": "one raw POST round trip", "baseline_value": raw, "ratio": p95 / raw},
            {"measure": "decide_case incl. handoff + outbox rows (window waits)", "value": statistics.median(decide_ms),
             "unit": "ms", "baseline": "one raw POST round trip", "baseline_value": raw,
             "ratio": statistics.median(decide_ms) / raw},
        ]
        receiver.down()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(10)
        if old_name is not None:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    print_table("outbox: webhook delivery", rows)
    write_results("outbox", rows)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

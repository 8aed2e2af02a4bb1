"""`onewindow worker`: the one background process `make run` starts.

Each pass: (1) runs every ready django-tasks task (the database backend's own Worker in batch mode, so task
claiming and results are exactly the library's), (2) seals queued audit rows into the hash chain and folds the
statistics backlog into the counters, (3) drains the outbox (SMS, webhooks, in-app alerts) with
`deliver_due`, which is safe in any number of processes, (4) every --sweep seconds runs the periodic jobs
(supervision escalation). It sleeps --interval seconds only when a pass found nothing to do.
SIGTERM/SIGINT finish the current pass and exit; SIGKILL is safe too: claimed outbox rows come back after
their lease, and a message whose delivery was cut off is sent again with the same idempotency key.
"""

from __future__ import annotations

import logging
import signal
import socket
import time
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

logger = logging.getLogger("onewindow.worker")


class Command(BaseCommand):
    help = "后台工作进程：执行后台任务、投递发件箱消息（短信、对外推送）、定期运行审管联动催办。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=0.25,
                            help="空闲时两次检查之间的秒数（决定到推送的延迟约为它的一半到一倍）")
        parser.add_argument("--sweep", type=float, default=600.0, help="定期任务（审管联动催办）的间隔秒数")
        parser.add_argument("--once", action="store_true", help="只运行一轮后退出（用于测试和计划任务）")

    def handle(self, *args: Any, **options: Any) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        from onewindow.outbox.services import deliver_due

        worker_id = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        # The library logs "Starting worker" on every batch run; once per pass is noise.
        logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        self.running = True
        tasks = Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                       max_tasks=None, worker_id=worker_id[:64], excluded_queue_names=[])

        def stop(signum: int, frame: Any) -> None:
            logger.info("worker_stopping signal=%s", signum)
            self.running = False
            tasks.running = False  # the batch of tasks stops after the current one

        if not options["once"]:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        last_sweep = 0.0
        self.stdout.write(f"worker {worker_id} started")
        while self.running:
            close_old_connections()
            busy = False
            before = tasks._run_tasks
            tasks.running = self.running
            tasks.run()
            busy |= tasks._run_tasks > before
            if not self.running:
                break
            busy |= self._bookkeeping()
            counts = deliver_due(limit=500, worker=worker_id)
            if any(counts.values()):
                busy = True
                logger.info("worker_outbox %s", " ".join(f"{k}={v}" for k, v in counts.items()))
            if time.monotonic() - last_sweep >= options["sweep"]:
                last_sweep = time.monotonic()
                self._sweep()
            if options["once"]:
                break
            if not busy and self.running:
                time.sleep(options["interval"])
        close_old_connections()

    def _bookkeeping(self) -> bool:
        """Seal the audit rows queued since the last pass and fold the statistics backlog (what requests leave
        for the worker; settings.ONEWINDOW_*_AFTER_COMMIT). Returns whether there was anything to do."""
        from onewindow.audit.chain import seal_queued
        from onewindow.stats.services import flush

        done = 0
        for name, run in (("audit_seal", seal_queued), ("stats_fold", flush)):
            try:
                done += run()
            except Exception:  # noqa: BLE001 - the queues keep their rows; the next pass retries
                logger.exception("worker_%s_failed", name)
        return done > 0

    def _sweep(self) -> None:
        try:
            from onewindow.supervision.services import escalate_handoffs

            result = escalate_handoffs(actor=None)
            if any(result.values()):
                logger.info("worker_escalation %s", " ".join(f"{k}={v}" for k, v in result.items()))
        except Exception:  # noqa: BLE001 - a failed sweep must not stop deliveries; it is retried next sweep
            logger.exception("worker_sweep_failed")

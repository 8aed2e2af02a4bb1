"""Cost of the SM3 audit hash chain: a transaction writing one audit row as the services do — queued for the
worker (the default) and, with ONEWINDOW_AUDIT_SEAL_AFTER_COMMIT, sealed right after commit — against the same
transaction writing the row without a link (same run, same database); the worker's batch sealing in rows per
second; and chain verification speed in rows per second against reading the same rows without hashing.

    .venv/bin/python -m bench.audit [--quick]
"""

from __future__ import annotations

import sys
import time
from typing import Any

from bench.common import print_table, rate, setup_django, write_results


def main(quick: bool = False) -> list[dict[str, Any]]:
    setup_django()
    from django.db import connection, transaction
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        from onewindow.audit.chain import verify_chain
        from onewindow.audit.models import AuditEvent
        from onewindow.audit.services import record_event

        def plain() -> None:
            with transaction.atomic():
                AuditEvent.objects.create(action="bench", object_type="x", object_id="1", data={"a": 1})

        def sealed() -> None:
            with transaction.atomic():
                record_event(actor=None, action="bench", object_type="x", object_id="1", data={"a": 1})

        from django.conf import settings

        from onewindow.audit.chain import seal_pending, seal_queued
        from onewindow.audit.models import AuditUnsealed

        seconds = 0.5 if quick else 2.0
        base = rate(plain, min_seconds=seconds)
        seal_pending()
        settings.ONEWINDOW_AUDIT_SEAL_AFTER_COMMIT = False
        queued = rate(sealed, min_seconds=seconds)
        waiting = AuditUnsealed.objects.count()
        start = time.perf_counter()
        batch_sealed = seal_queued()
        batch_s = time.perf_counter() - start
        settings.ONEWINDOW_AUDIT_SEAL_AFTER_COMMIT = True
        chained = rate(sealed, min_seconds=seconds)
        settings.ONEWINDOW_AUDIT_SEAL_AFTER_COMMIT = False
        assert batch_sealed == waiting
        # Verification: rows per second through verify_chain against a plain read of the same rows.
        seal_pending()
        count = AuditEvent.objects.count()
        start = time.perf_counter()
        for _chunk in AuditEvent.objects.order_by("pk").iterator(chunk_size=2000):
            pass
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        report = verify_chain()
        verify_s = time.perf_counter() - start
        assert report.ok, report.problems[:3]
        rows = [
            {"measure": "audited write, queued for the worker (default), txn/s", "baseline (no chain)": base,
             "with SM3 chain": queued, "ratio": queued / base},
            {"measure": "audited write, sealed after commit, txn/s", "baseline (no chain)": base,
             "with SM3 chain": chained, "ratio": chained / base},
            {"measure": f"worker: batch sealing of {waiting} queued rows, rows/s", "baseline (no chain)": base,
             "with SM3 chain": batch_sealed / batch_s, "ratio": batch_sealed / batch_s / base},
            {"measure": "verify, rows/s", "baseline (no chain)": count / read_s, "with SM3 chain": count / verify_s,
             "ratio": read_s / verify_s},
        ]
        print_table(f"audit hash chain ({connection.vendor}, {count} rows)", rows)
        write_results("audit", rows)
        return rows
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

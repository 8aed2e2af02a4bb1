"""Intake through the API: cases accepted per second at POST /api/v1/cases/, against a view doing one INSERT.

Same gunicorn server, same session cookie and CSRF header, 16 concurrent clients. Each intake request is a
real 收件: the serializer's validation, the applicant upsert (blind index), the case with its materials,
events, audit event and due-date calculation, all in the service's one transaction; `onewindow worker` runs
beside the server, as in production, sealing the audit rows and folding the statistics the requests queue. The baseline,
/_bench/insert/ (only with ONEWINDOW_BENCH=1), writes one audit row in one transaction. Target: ≥ 40 %.

Usage: python -m bench.intake [--quick]
"""

from __future__ import annotations

import json
import sys
from typing import Any

from bench.common import print_table, write_results
from bench.server import Server, prepare, rounds, session_cookie, summary

TARGET = 0.40
APPLICANTS = 500  # distinct applicants the clients cycle through (a county's morning, not one person)


def main(quick: bool = False) -> list[dict[str, Any]]:
    prepare()
    from onewindow.cases.models import Case
    from onewindow.cases.tests.api_world import World
    from onewindow.testing import synthetic_id_number

    world = World()
    cookie = session_cookie(world.user("clerk"))
    bodies = []
    for seed in range(APPLICANTS):
        payload = world.create_payload()
        payload["applicant"] = {**payload["applicant"], "name": "张三",
                                "cert_number": synthetic_id_number(seed, birth=f"19{60 + seed // 1000:02d}0101"),
                                "phone": f"139{seed:08d}"}
        bodies.append(json.dumps(payload, ensure_ascii=False).encode())
    seconds, n_rounds = (2.0, 1) if quick else (5.0, 2)
    rows: list[dict[str, Any]] = []
    with Server(background_worker=True) as server:
        results = rounds({
            "insert": lambda: server.load("/_bench/insert/", seconds=seconds, method="POST", bodies=[b""],
                                          cookie=cookie),
            "intake": lambda: server.load("/api/v1/cases/", seconds=seconds, method="POST", bodies=bodies,
                                          cookie=cookie, json_body=True),
        }, n_rounds)
    from onewindow.audit.models import AuditUnsealed
    from onewindow.stats.models import StatBacklog

    # What the worker had not caught up with when the load stopped (it folds and seals in batches).
    left = {"audit rows unsealed": AuditUnsealed.objects.count(), "stats backlog": StatBacklog.objects.count()}
    print(f"   left for the worker at the end: {left}")
    created = Case.objects.count()
    if created < sum(x.requests for x in results["intake"]):
        raise RuntimeError(f"only {created} cases for {sum(x.requests for x in results['intake'])} accepted requests")
    insert_rps, insert_p50, insert_p99 = summary(results["insert"])
    intake_rps, intake_p50, intake_p99 = summary(results["intake"])
    ratio = intake_rps / insert_rps
    rows.append({"measure": "one INSERT in one transaction (baseline)", "value": insert_rps, "unit": "req/s",
                 "p50_ms": insert_p50, "p99_ms": insert_p99, "baseline": "", "baseline_value": "", "ratio": "",
                 "target": "", "met": ""})
    rows.append({"measure": "intake POST /api/v1/cases/ (201)", "value": intake_rps, "unit": "cases/s",
                 "p50_ms": intake_p50, "p99_ms": intake_p99, "baseline": "one INSERT", "baseline_value": insert_rps,
                 "ratio": ratio, "target": f"≥ {TARGET:.2f}", "met": "yes" if ratio >= TARGET else "NO"})
    print_table("intake: cases accepted per second through the API, 16 concurrent clients", rows)
    write_results("intake", rows)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

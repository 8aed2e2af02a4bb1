"""HTTP reads under load: the staff case detail and the public tracking page, against a no-op view.

One gunicorn server (sync workers, 2 × cores + 1) serves all three; 16 concurrent clients. The baseline is
/_bench/noop/ of the same app on the same server (whole middleware stack, no database, no template), so the
ratio says what share of the server's capacity a real page leaves. Rounds are interleaved (noop, track, detail,
noop, …) and the median round is reported. Target: tracking page ≥ 50 % of no-op throughput.

Usage: python -m bench.http [--quick]
"""

from __future__ import annotations

import sys
from typing import Any

from bench.common import print_table, write_results
from bench.server import Server, prepare, rounds, session_cookie, summary

TRACK_TARGET = 0.50


def build_world() -> tuple[Any, Any]:
    """A county with one item, a window clerk, and a case taken through intake, acceptance and review (so the
    timeline has several steps), plus some other cases so the tables are not trivially empty."""
    from onewindow.cases.tests.api_world import World
    from onewindow.testing import person

    world = World()
    for seed in range(2, 60):
        world.case("accepted", applicant=person(seed, name="李四", phone="13700000002"))
    return world, world.case("in_review")


def main(quick: bool = False) -> list[dict[str, Any]]:
    prepare()
    world, case = build_world()
    cookie = session_cookie(world.user("clerk"))
    seconds, n_rounds = (2.0, 1) if quick else (5.0, 2)
    rows: list[dict[str, Any]] = []
    with Server() as server:
        detail_path = f"/staff/cases/{case.number}/"
        track_path = f"/track/{case.tracking_code}/"
        for path, who in ((detail_path, cookie), (track_path, "")):
            status, body = server.get(path, who)
            if status != 200 or case.number.encode() not in body:
                raise RuntimeError(f"{path} answered {status} without the case number: not a fair benchmark")
        results = rounds({
            "noop": lambda: server.load("/_bench/noop/", seconds=seconds),
            "track": lambda: server.load(track_path, seconds=seconds),
            "detail": lambda: server.load(detail_path, seconds=seconds, cookie=cookie),
        }, n_rounds)
        noop_rps, noop_p50, noop_p99 = summary(results["noop"])
        rows.append({"measure": f"no-op view (baseline, {server.workers} gunicorn workers)", "value": noop_rps,
                     "unit": "req/s", "p50_ms": noop_p50, "p99_ms": noop_p99, "baseline": "", "baseline_value": "",
                     "ratio": "", "target": "", "met": ""})
        for name, label, target in (("track", "tracking page /track/<code>/", TRACK_TARGET),
                                    ("detail", "staff case detail (session)", None)):
            rps, p50, p99 = summary(results[name])
            ratio = rps / noop_rps
            rows.append({"measure": label, "value": rps, "unit": "req/s", "p50_ms": p50, "p99_ms": p99,
                         "baseline": "no-op view", "baseline_value": noop_rps, "ratio": ratio,
                         "target": f"≥ {target:.2f}" if target else "",
                         "met": ("yes" if ratio >= target else "NO") if target else ""})
    print_table("http: case detail and tracking page, 16 concurrent clients", rows)
    write_results("http", rows)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

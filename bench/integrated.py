"""Integrated services: plan computation per answer set, and full verification of a generated catalog of
the bureau's real size (107 services, 2,895 options), against brute-force enumeration on a subset.

    .venv/bin/python -m bench.integrated [--quick]
"""

from __future__ import annotations

import logging
import random
import sys
import time

from bench.common import print_table, setup_django, write_results


def main(quick: bool = False) -> list[dict[str, object]]:
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    logging.getLogger("onewindow.audit").setLevel(logging.WARNING)
    logging.getLogger("onewindow.integrated").setLevel(logging.ERROR)
    old = connection.creation.create_test_db(verbosity=0, keepdb=False, serialize=False)
    try:
        rows = _run(quick)
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)
    print_table("integrated: plans and verification", rows)
    write_results("integrated", rows)
    return rows


def _run(quick: bool) -> list[dict[str, object]]:
    from onewindow.demo.loader import DEMO_DATA, load_county, read_data
    from onewindow.integrated.brute import brute_verify, enumerate_answers
    from onewindow.integrated.demo import DEMO_INTEGRATED, load_integrated, read_integrated
    from onewindow.integrated.engine import compiled_for, plan_for
    from onewindow.integrated.generate import generate_catalog
    from onewindow.integrated.models import IntegratedService
    from onewindow.integrated.services import build_snapshots, verify_services
    from onewindow.integrated.verify import verify_snapshot

    rows: list[dict[str, object]] = []
    load_county(actor=None, data=read_data(DEMO_DATA))
    load_integrated(actor=None, data=read_integrated(DEMO_INTEGRATED))

    # 1. Plans: every applicable answer set of the two richest demo services, sampled.
    rng = random.Random(1)
    for code in ("kaiban-qiye", "kai-canyin"):
        compiled = compiled_for(code)
        sets = [a for a in enumerate_answers(compiled) if not compiled.plan(a).blocked]
        sample = rng.sample(sets, min(len(sets), 500 if quick else 3000))
        engine_us = _per_call_us(lambda a, c=compiled: c.plan(a), sample)
        dict_us = _per_call_us(lambda a, c=compiled: c.plan(a).to_dict(), sample)
        db_us = _per_call_us(lambda a, c=code: plan_for(c, a), sample[:300])
        rows.append({"measure": f"plan {code} ({len(compiled.options)} options, {len(compiled.steps)} items)",
                     "value": engine_us, "unit": "µs/plan", "target": "< 1000", "baseline": "plan + to_dict()",
                     "baseline_value": dict_us, "ratio": 1000 / engine_us})
        rows.append({"measure": f"plan_for {code} (with version lookup)", "value": db_us, "unit": "µs/plan",
                     "target": "< 1000", "baseline": "", "baseline_value": "", "ratio": 1000 / db_us})

    # 2. The generated catalog of the bureau's size.
    started = time.perf_counter()
    summary = generate_catalog(actor=None, services_count=107, options=2895, seed=0)
    rows.append({"measure": f"generate + publish {summary.services} services / {summary.options} options",
                 "value": time.perf_counter() - started, "unit": "s", "target": "", "baseline": "", "baseline_value": "",
                 "ratio": ""})
    generated = list(IntegratedService.objects.filter(code__startswith="gen-").order_by("code"))
    started = time.perf_counter()
    reports = verify_services(generated)
    full = time.perf_counter() - started
    combos = sum(r.counts.combinations for r in reports if r.counts)
    snapshots = {s.code: snap for s, (snap, _p) in zip(generated, build_snapshots(generated).values(), strict=True)}
    started = time.perf_counter()
    symbolic = [verify_snapshot(snap) for snap in snapshots.values()]
    pure = time.perf_counter() - started
    assert all(r.ok for r in reports) and len(symbolic) == 107
    rows.append({"measure": f"verify all 107 from the database ({combos:,} combinations)", "value": full, "unit": "s",
                 "target": "< 60", "baseline": "", "baseline_value": "", "ratio": 60 / full})
    rows.append({"measure": "  of which symbolic counting", "value": pure, "unit": "s", "target": "", "baseline": "",
                 "baseline_value": "", "ratio": ""})

    # 3. Brute force on the subset small enough to enumerate; the same counts are required.
    limit = 3_000 if quick else 20_000
    subset = [code for code, r in zip(snapshots, symbolic, strict=True) if r.counts and r.counts.combinations <= limit]
    subset_combos = sum(r.counts.combinations for r in symbolic if r.service in subset)
    started = time.perf_counter()
    fast_reports = [verify_snapshot(snapshots[c]) for c in subset]
    fast = time.perf_counter() - started
    started = time.perf_counter()
    slow_reports = [brute_verify(snapshots[c], limit=None) for c in subset]
    slow = time.perf_counter() - started
    for a, b in zip(fast_reports, slow_reports, strict=True):
        assert a.counts == b.counts, a.service
    per_combo = slow / max(subset_combos, 1)
    rows.append({"measure": f"verify subset of {len(subset)} services ({subset_combos:,} combinations ≤ {limit:,} each)",
                 "value": fast, "unit": "s", "target": "", "baseline": "brute force (engine on every combination)",
                 "baseline_value": slow, "ratio": slow / fast})
    rows.append({"measure": "brute force on the whole catalog (extrapolated)", "value": per_combo * combos / 3600,
                 "unit": "h", "target": "", "baseline": "symbolic, whole catalog (s)", "baseline_value": pure,
                 "ratio": per_combo * combos / pure})
    return rows


def _per_call_us(fn, args: list) -> float:  # type: ignore[no-untyped-def]
    for a in args[:50]:
        fn(a)  # warm caches (compiled versions, code paths)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for a in args:
            fn(a)
        best = min(best, (time.perf_counter() - started) / len(args))
    return best * 1e6


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

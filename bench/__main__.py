"""`make bench`: run every benchmark module under bench/, print one summary table, write bench/results/*.json.

Usage: python -m bench [--quick] [name ...]

Each module runs in its own process (its own Django setup and database: the in-process ones use a throwaway
test database, the HTTP ones a prepared bench database and a gunicorn server), writes
bench/results/<name>.json, and the runner adds bench/results/summary.json (machine, git commit, database
vendor, every module's rows) and bench/results/latest.md (the summary table as Markdown, for the README).
A module not present yet is skipped; a failing module is reported and the others still run.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

MODULES = ["calendar", "integrated", "licences", "hall", "outbox", "http", "intake", "caselist", "stats", "crypto", "audit"]
SUMMARY_COLUMNS = ["measure", "value", "unit", "baseline_value", "ratio", "target", "met"]


def _run_module(name: str, quick: bool) -> tuple[str, float]:
    """Run bench.<name>.main(quick) in a fresh interpreter; output goes straight to the terminal."""
    code = f"import bench.{name} as m; m.main(quick={quick!r})"
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent,  # noqa: S603
                               check=False)
    return ("ok" if completed.returncode == 0 else f"FAILED (exit {completed.returncode})"), time.perf_counter() - started


def _summary_rows(name: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for row in payload.get("rows", []):
        measure = row.get("measure") or next((str(v) for v in row.values() if isinstance(v, str)), "")
        value = row.get("value", row.get("per_second", row.get("with SM3 chain", "")))
        baseline = row.get("baseline_value", row.get("baseline_per_second", row.get("baseline (no chain)", "")))
        unit = row.get("unit", "")
        if value == "" and "p50_ms" in row:
            value, unit = row["p50_ms"], "p50 ms"
        rows.append({"module": name, "measure": measure, "value": value, "unit": unit,
                     "baseline_value": baseline, "ratio": row.get("ratio", ""), "target": row.get("target", ""),
                     "met": row.get("met", "")})
    return rows


def _markdown(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    from bench.common import _fmt

    lines = [f"Measured {meta['at']} on {meta['machine']['cpus']} × {meta['machine']['cpu'] or 'CPU'}, "
             f"{meta['machine']['memory_gb']} GB, {meta['database_vendor']}, commit {meta['commit']}, "
             f"command `{meta['command']}`.", "",
             "| module | measure | value | unit | baseline | ratio | target | met |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [r["module"], r["measure"], _fmt(r["value"]), r["unit"], _fmt(r["baseline_value"]), _fmt(r["ratio"]),
                 r["target"], r["met"]]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    from bench.common import RESULTS, database_label, machine, print_table
    from bench.server import database_vendor, git_commit

    quick = "--quick" in sys.argv
    wanted = [a for a in sys.argv[1:] if not a.startswith("--")] or MODULES
    RESULTS.mkdir(exist_ok=True)
    started_at = time.time()
    commit = git_commit()  # the code measured, even if the tree moves on during the run
    statuses: dict[str, dict[str, Any]] = {}
    all_rows: list[dict[str, Any]] = []
    for name in wanted:
        if importlib.util.find_spec(f"bench.{name}") is None:
            print(f"\n== {name}: not present yet, skipped")
            statuses[name] = {"status": "skipped"}
            continue
        status, seconds = _run_module(name, quick)
        print(f"   ({name}: {status}, {seconds:.1f} s)")
        statuses[name] = {"status": status, "seconds": round(seconds, 1)}
        result = RESULTS / f"{name}.json"
        if status == "ok" and result.exists() and result.stat().st_mtime >= started_at:
            all_rows.extend(_summary_rows(name, json.loads(result.read_text(encoding="utf-8"))))
    meta = {"at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
            "database": database_label(), "database_vendor": database_vendor(), "commit": commit,
            "quick": quick, "command": " ".join(["python -m bench", *sys.argv[1:]]),
            "workers": os.environ.get("BENCH_WORKERS", "2 × cores + 1"), "modules": statuses,
            "total_seconds": round(time.time() - started_at, 1)}
    (RESULTS / "summary.json").write_text(json.dumps({**meta, "rows": all_rows}, ensure_ascii=False, indent=2,
                                                     default=str), encoding="utf-8")
    (RESULTS / "latest.md").write_text(_markdown(all_rows, meta), encoding="utf-8")
    print_table(f"SUMMARY ({meta['database_vendor']}, {'quick' if quick else 'full'}, "
                f"{meta['total_seconds']:.0f} s, commit {meta['commit']})",
                [{k: r[k] for k in ["module", *SUMMARY_COLUMNS]} for r in all_rows])
    failed = [n for n, s in statuses.items() if s["status"].startswith("FAILED")]
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
    print(f"\nResults: {RESULTS}/ (summary.json, latest.md)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

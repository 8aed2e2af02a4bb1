"""Shared benchmark plumbing: Django setup on a throwaway database, timing, results as a table + JSON.

Every figure is a ratio against a baseline measured in the same run on the same machine, never an
absolute time compared to a constant."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def setup_django(var_dir: str | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.settings")
    os.environ.setdefault("ONEWINDOW_TESTING", "1")
    if var_dir:
        os.environ["VAR_DIR"] = var_dir
    import django

    django.setup()


def rate(fn: Callable[[], Any], *, min_seconds: float = 1.0, min_calls: int = 10) -> float:
    """Calls per second of `fn`, measured for at least `min_seconds`."""
    calls = 0
    start = time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds and calls >= min_calls:
            return calls / elapsed


def machine() -> dict[str, Any]:
    """Where the figures come from: they are only comparable with figures from the same machine."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    memory_gb = None
    try:
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "cpu": cpu, "memory_gb": memory_gb,
            "system": f"{platform.system()} {platform.release()}", "host": platform.node()}


def database_label() -> str:
    """The database the run used, without credentials: host/name for PostgreSQL, "sqlite" otherwise."""
    return os.environ.get("DATABASE_URL", "sqlite").split("@")[-1]


def write_results(name: str, rows: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"benchmark": name, "machine": machine(), "database": database_label(), "rows": rows,
               "at": time.strftime("%Y-%m-%dT%H:%M:%S"), **(extra or {})}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n== {title}")
    if not rows:
        return
    headers = list(rows[0].keys())
    widths = [max(len(str(h)), *(len(_fmt(r.get(h))) for r in rows)) for h in headers]
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        print("  ".join(_fmt(row.get(h)).ljust(w) for h, w in zip(headers, widths, strict=True)))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    return str(value)

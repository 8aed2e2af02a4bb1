"""`make bench`: run every benchmark module under bench/, print their tables, write bench/results/*.json.

Usage: python -m bench [--quick] [name ...]
"""

from __future__ import annotations

import importlib
import sys
import time

MODULES = ["calendar", "integrated", "licences", "hall", "outbox", "http", "intake", "caselist", "stats", "crypto", "audit"]


def main() -> int:
    quick = "--quick" in sys.argv
    wanted = [a for a in sys.argv[1:] if not a.startswith("--")] or MODULES
    failures = 0
    for name in wanted:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                print(f"\n== {name}: not present yet, skipped")
                continue
            raise
        start = time.perf_counter()
        try:
            module.main(quick=quick)
        except Exception as exc:  # noqa: BLE001 - report and go on with the other benchmarks
            failures += 1
            print(f"\n== {name}: FAILED {type(exc).__name__}: {exc}")
        print(f"   ({name} took {time.perf_counter() - start:.1f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

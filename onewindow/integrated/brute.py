"""Brute-force verification: enumerate every reachable combination and run the engine on each.

The test oracle for verify.py (it must produce identical `Counts`) and the baseline of the benchmark.
Exponential by nature: use it on small services only (`limit` guards against accidents).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import combinations
from typing import Any

from .choices import QuestionKind
from .definition import DefinitionError
from .engine import CompiledService
from .verify import Counts, Finding, Report, findings_for


class TooManyCombinations(Exception):
    pass


def choices_of(q: Any, options: tuple[str, ...]) -> list[tuple[str, ...]]:
    if q.kind == QuestionKind.MULTIPLE:
        out = [c for n in range(len(options) + 1) for c in combinations(options, n)]
        return [c for c in out if c] if q.required else out
    return [(o,) for o in options] + ([] if q.required else [()])


def enumerate_answers(compiled: CompiledService) -> Iterator[dict[str, list[str]]]:
    """Every reachable combination as an answers dict (hidden questions absent)."""
    order = compiled.visibility_order
    table = {q.code: choices_of(q, q.options) for q in order}

    def walk(i: int, chosen: frozenset[str], answers: dict[str, list[str]]) -> Iterator[dict[str, list[str]]]:
        if i == len(order):
            yield dict(answers)
            return
        q = order[i]
        if (q.parent is not None and q.parent not in chosen) or not q.options:
            yield from walk(i + 1, chosen, answers)
            return
        for pick in table[q.code]:
            if pick:
                answers[q.code] = list(pick)
            yield from walk(i + 1, chosen | set(pick), answers)
            answers.pop(q.code, None)

    yield from walk(0, frozenset(), {})


def brute_counts(compiled: CompiledService, *, limit: int | None = 2_000_000) -> Counts:
    counts = Counts()
    counts.rule_hits = {r.code: 0 for r in compiled.rules}
    counts.option_hits = dict.fromkeys(compiled.options, 0)
    counts.item_hits = {s.code: 0 for s in compiled.steps}
    for s in compiled.steps:
        adds = any(e["op"] == "add_item" and e["item"] == s.code for r in compiled.rules for e in r.effects)
        removes = any(e["op"] == "remove_item" and e["item"] == s.code for r in compiled.rules for e in r.effects)
        if adds and removes:
            counts.conflicts[s.code] = 0
    for r in compiled.rules:
        for i, e in enumerate(r.effects):
            if e["op"] == "add_material" and e.get("item"):
                counts.orphans[f"{r.code}#{i}"] = 0
    for answers in enumerate_answers(compiled):
        counts.combinations += 1
        if limit is not None and counts.combinations > limit:
            raise TooManyCombinations(f"{compiled.code}: more than {limit} combinations")
        plan = compiled.plan(answers)
        if plan.blocked:
            counts.blocked += 1
            continue
        for code in plan.fired:
            counts.rule_hits[code] += 1
        for o in plan.chosen:
            counts.option_hits[o] += 1
        for code in plan.item_codes:
            counts.item_hits[code] += 1
        for item, _a, _r in plan.conflicts:
            counts.conflicts[item] += 1
        for rule, index, _kind, _item in plan.orphans:
            counts.orphans[f"{rule}#{index}"] += 1
    return counts


def brute_verify(snapshot: dict[str, Any], *, limit: int | None = 2_000_000) -> Report:
    started = time.perf_counter()
    try:
        compiled = CompiledService(snapshot)
    except DefinitionError as exc:
        return Report(snapshot.get("code", ""), snapshot.get("name", ""), None,
                      [Finding("error", "structure", m) for m in exc.problems], method="brute")
    counts = brute_counts(compiled, limit=limit)
    return Report(compiled.code, compiled.name, counts, findings_for(compiled, counts),
                  seconds=time.perf_counter() - started, method="brute")

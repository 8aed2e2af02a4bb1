"""Verification of an integrated service over every reachable combination of answers — by counting,
not by enumerating.

A *combination* is one complete way to answer: every visible question answered (a single-choice
question with one option, or none if it is optional; a multiple-choice question with any subset,
non-empty if required), hidden follow-ups unanswered. A combination that chooses a blocking option is
*blocked*; the others are *applicable*, and the checks below count applicable combinations only.

How it stays fast on services with millions (or 10^30) of combinations:

1. **Units.** Follow-ups hang under the option that reveals them, so every top-level question with
   its follow-up tree is a unit, and units are independent: the combinations of a service are the
   product of its units' combinations.
2. **Signatures instead of states.** A formula mentions a few options. A unit's answers are counted
   per *signature* — which of those options are chosen — by a recursion over the question tree
   (single choice = sum over options, multiple choice = product of "chosen or not"), never by listing
   the unit's states.
3. **Model counting.** count(f) expands one unit at a time over its signatures, simplifying f after
   each assignment (memoised on the residual formula), and splits conjunctions and disjunctions whose
   parts touch disjoint units (count(A∧B) = count(A)·count(B), count(A∨B) by complement). Units a
   formula does not touch contribute their total as a factor. A rule whose condition spans several
   groups is thus expanded only over the product of the signatures of the units it touches.

Checks (counts are of applicable combinations):

- errors (publishing is refused): the structural problems found by the compiler (follow-up cycles,
  conditions on missing options, items not in the service or not published, step cycles, malformed
  JSON), required questions without options, no applicable combination at all, an item both added
  and removed, a material added for an item that is not in the plan;
- warnings: dead rules (no combination satisfies them), unreachable options, items no combination
  selects, waivers of material kinds no step asks for.

`brute.py` enumerates combinations and runs the engine on each; the tests require both to produce
the same `Counts`.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from .choices import EffectOp, QuestionKind
from .definition import DefinitionError
from .engine import CompiledService

Formula = Any  # True | False | ("lit", code) | ("not", f) | ("and", (f, ...)) | ("or", (f, ...))


@dataclass
class Counts:
    """The numbers both verifiers must agree on."""

    combinations: int = 0  # reachable, including blocked
    blocked: int = 0
    rule_hits: dict[str, int] = field(default_factory=dict)
    option_hits: dict[str, int] = field(default_factory=dict)
    item_hits: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, int] = field(default_factory=dict)  # item → combinations where added and removed
    orphans: dict[str, int] = field(default_factory=dict)  # "rule#effect" → combinations where its item is absent

    @property
    def applicable(self) -> int:
        return self.combinations - self.blocked


@dataclass
class Finding:
    level: str  # "error" | "warning"
    check: str
    message: str
    count: int | None = None
    subject: str = ""


@dataclass
class Report:
    service: str
    name: str
    counts: Counts | None
    findings: list[Finding]
    seconds: float = 0.0
    units: int = 0
    groups: int = 0
    method: str = "symbolic"

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, int]:
        """Counts per check (number of findings), the figures `onewindow integrated verify` prints."""
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.check] = out.get(f.check, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        counts = asdict(self.counts) if self.counts else None
        if counts is not None:
            counts["applicable"] = self.counts.applicable if self.counts else 0
            for k in ("combinations", "blocked", "applicable"):
                counts[k] = str(counts[k]) if counts[k] > 2**53 else counts[k]
        return {"service": self.service, "name": self.name, "ok": self.ok, "seconds": round(self.seconds, 4),
                "units": self.units, "groups": self.groups, "method": self.method, "counts": counts,
                "summary": self.summary(), "findings": [asdict(f) for f in self.findings]}

    def lines(self) -> list[str]:
        head = f"{self.service}（{self.name}）"
        if self.counts is not None:
            head += f"：组合 {_big(self.counts.combinations)} 种，其中可申请 {_big(self.counts.applicable)}，" \
                    f"不能申请 {_big(self.counts.blocked)}"
        out = [head]
        for f in self.findings:
            tag = "错误" if f.level == "error" else "提示"
            out.append(f"  [{tag}] {f.message}")
        return out


CHECK_LABELS = {
    "structure": "定义结构错误",
    "empty_required": "必答问题没有选项",
    "no_applicable": "没有可申请的组合",
    "conflict": "事项同时被增加和去掉",
    "orphan_material": "材料所属事项未办理",
    "dead_rule": "永不生效的规则",
    "unreachable_option": "无法到达的选项",
    "unselected_item": "从不办理的事项",
    "waiver_unused": "免交的材料种类无环节需要",
}


def _big(n: int) -> str:
    return f"{n:,}" if n < 10**15 else f"{n:.3e}"


# ---- entry points -------------------------------------------------------------------------------------

def verify_snapshot(snapshot: dict[str, Any], *, extra_errors: list[str] | None = None) -> Report:
    """Verify a snapshot (published or a draft built from the working copy) symbolically."""
    started = time.perf_counter()
    findings = [Finding("error", "structure", m) for m in (extra_errors or [])]
    try:
        compiled = CompiledService(snapshot)
    except DefinitionError as exc:
        findings += [Finding("error", "structure", m) for m in exc.problems]
        return Report(snapshot.get("code", ""), snapshot.get("name", ""), None, findings,
                      seconds=time.perf_counter() - started)
    counter = Counter(compiled)
    counts = counter.counts()
    findings += findings_for(compiled, counts)
    return Report(compiled.code, compiled.name, counts, findings, seconds=time.perf_counter() - started,
                  units=len(counter.units), groups=counter.group_count())


def findings_for(compiled: CompiledService, counts: Counts) -> list[Finding]:
    """Turn counts into findings — shared by the symbolic verifier and the brute-force oracle."""
    out: list[Finding] = []
    for q in compiled.questions:
        if not q.options:
            level = "error" if q.required else "warning"
            out.append(Finding(level, "empty_required" if q.required else "structure",
                               f"{'必答' if q.required else ''}问题 {q.code}（{q.text}）没有任何选项", subject=q.code))
    if counts.applicable == 0:
        out.append(Finding("error", "no_applicable", "没有任何可以申请的情形组合（每种回答都会被阻止或无法作答）", 0))
        return out
    names = {s.code: s.data.get("name", s.code) for s in compiled.steps}
    for item, n in counts.conflicts.items():
        if n:
            out.append(Finding("error", "conflict", f"事项「{names.get(item, item)}」在 {_big(n)} 种组合中同时被增加和去掉",
                               n, item))
    for key, n in counts.orphans.items():
        if n:
            rule_code, index = key.rsplit("#", 1)
            rule = next(r for r in compiled.rules if r.code == rule_code)
            effect = rule.effects[int(index)]
            out.append(Finding("error", "orphan_material",
                               f"规则 {rule_code} 增加的材料「{effect.get('name', effect['kind'])}」在 {_big(n)} 种组合中"
                               f"所属事项「{names.get(effect['item'], effect['item'])}」并未办理", n, key))
    for rule in compiled.rules:
        if counts.rule_hits.get(rule.code, 0) == 0:
            out.append(Finding("warning", "dead_rule", f"规则 {rule.code}（{rule.description or '无说明'}）在任何可申请的组合中都不会生效",
                               0, rule.code))
    for q in compiled.questions:
        for o in q.options:
            opt = compiled.options[o]
            if opt.blocks:
                reachable = q.parent is None or counts.option_hits.get(q.parent, 0) > 0
            else:
                reachable = counts.option_hits.get(o, 0) > 0
            if not reachable:
                out.append(Finding("warning", "unreachable_option",
                                   f"选项 {o}（{q.text}：{opt.text}）在任何可申请的组合中都无法选到", 0, o))
    for step in compiled.steps:
        if counts.item_hits.get(step.code, 0) == 0:
            out.append(Finding("warning", "unselected_item", f"事项「{names[step.code]}」在任何组合中都不会办理", 0, step.code))
    kinds = {m.kind for s in compiled.steps for m in s.materials} | {
        e["kind"] for r in compiled.rules for e in r.effects if e["op"] == EffectOp.ADD_MATERIAL}
    for rule in compiled.rules:
        for e in rule.effects:
            if e["op"] == EffectOp.REMOVE_MATERIAL and e["kind"] not in kinds:
                out.append(Finding("warning", "waiver_unused", f"规则 {rule.code} 免交的材料种类 {e['kind']} 没有任何环节需要",
                                   None, rule.code))
    return out


# ---- formulas -----------------------------------------------------------------------------------------

def to_formula(cond: Any) -> Formula:
    if isinstance(cond, str):
        return ("lit", cond)
    (key, value), = cond.items()
    if key == "not":
        return f_not(to_formula(value))
    subs = [to_formula(c) for c in value]
    return f_and(subs) if key == "all" else f_or(subs)


def f_not(f: Formula) -> Formula:
    if f is True or f is False:
        return not f
    if f[0] == "not":
        return f[1]
    return ("not", f)


def f_and(parts: Any) -> Formula:
    out: dict[Formula, None] = {}
    for p in parts:
        if p is False:
            return False
        if p is True:
            continue
        if p[0] == "and":
            for q in p[1]:
                out.setdefault(q, None)
        else:
            out.setdefault(p, None)
    if not out:
        return True
    if len(out) == 1:
        return next(iter(out))
    return ("and", tuple(out))


def f_or(parts: Any) -> Formula:
    out: dict[Formula, None] = {}
    for p in parts:
        if p is True:
            return True
        if p is False:
            continue
        if p[0] == "or":
            for q in p[1]:
                out.setdefault(q, None)
        else:
            out.setdefault(p, None)
    if not out:
        return False
    if len(out) == 1:
        return next(iter(out))
    return ("or", tuple(out))


def assign(f: Formula, values: dict[str, bool]) -> Formula:
    if f is True or f is False:
        return f
    tag = f[0]
    if tag == "lit":
        return values.get(f[1], f)
    if tag == "not":
        return f_not(assign(f[1], values))
    parts = [assign(p, values) for p in f[1]]
    return f_and(parts) if tag == "and" else f_or(parts)


def literals(f: Formula, acc: set[str] | None = None) -> set[str]:
    acc = set() if acc is None else acc
    if f is True or f is False:
        return acc
    if f[0] == "lit":
        acc.add(f[1])
    elif f[0] == "not":
        literals(f[1], acc)
    else:
        for p in f[1]:
            literals(p, acc)
    return acc


# ---- the counter --------------------------------------------------------------------------------------

Dist = dict[frozenset[str], int]


def _conv(a: Dist, b: Dist) -> Dist:
    if len(b) == 1 and frozenset() in b:
        k = b[frozenset()]
        return {s: v * k for s, v in a.items()} if k != 1 else a
    out: Dist = {}
    for s1, v1 in a.items():
        for s2, v2 in b.items():
            key = s1 | s2
            out[key] = out.get(key, 0) + v1 * v2
    return out


class Counter:
    """Weighted model counting over the units of one compiled service (see the module docstring)."""

    def __init__(self, compiled: CompiledService):
        self.c = compiled
        self.children: dict[str, list[str]] = {}
        for q in compiled.questions:
            if q.parent is not None:
                self.children.setdefault(q.parent, []).append(q.code)
        self.subtree: dict[str, frozenset[str]] = {}
        for q in compiled.questions:
            self._subtree(q.code)
        self.units = [q.code for q in compiled.questions if q.parent is None]
        self.unit_of: dict[str, str] = {}
        for u in self.units:
            for o in self.subtree[u]:
                self.unit_of[o] = u
        self._qdist: dict[tuple[str, frozenset[str], bool], Dist] = {}
        self.total = {u: self.q_dist(u, frozenset(), False).get(frozenset(), 0) for u in self.units}
        self.total_all = {u: self.q_dist(u, frozenset(), True).get(frozenset(), 0) for u in self.units}
        self._memo: dict[Formula, int] = {}

    def _subtree(self, q: str) -> frozenset[str]:
        if q in self.subtree:
            return self.subtree[q]
        out: set[str] = set()
        for o in self.c.question_by_code[q].options:
            out.add(o)
            for child in self.children.get(o, []):
                out |= self._subtree(child)
        self.subtree[q] = frozenset(out)
        return self.subtree[q]

    def q_dist(self, q: str, lits: frozenset[str], allow_blocked: bool) -> Dist:
        """Answers of question q's subtree (q visible), counted per signature over `lits`."""
        lits = lits & self.subtree[q]
        key = (q, lits, allow_blocked)
        cached = self._qdist.get(key)
        if cached is not None:
            return cached
        question = self.c.question_by_code[q]
        empty: frozenset[str] = frozenset()
        if not question.options:
            result: Dist = {empty: 1}  # cannot be answered: skipped (reported as a definition error)
        else:
            per_option: list[Dist] = []
            for o in question.options:
                if self.c.options[o].blocks and not allow_blocked:
                    continue
                d: Dist = {frozenset((o,)) if o in lits else empty: 1}
                for child in self.children.get(o, []):
                    d = _conv(d, self.q_dist(child, lits, allow_blocked))
                per_option.append(d)
            if question.kind == QuestionKind.MULTIPLE:
                result = {empty: 1}
                for d in per_option:
                    with_none = dict(d)
                    with_none[empty] = with_none.get(empty, 0) + 1
                    result = _conv(result, with_none)
                if question.required:
                    result = dict(result)
                    result[empty] -= 1
            else:
                result = {}
                for d in per_option:
                    for s, v in d.items():
                        result[s] = result.get(s, 0) + v
                if not question.required:
                    result[empty] = result.get(empty, 0) + 1
            result = {s: v for s, v in result.items() if v}
        self._qdist[key] = result
        return result

    def units_of(self, f: Formula) -> set[str]:
        return {self.unit_of[c] for c in literals(f)}

    def _product(self, units: Any) -> int:
        out = 1
        for u in units:
            out *= self.total[u]
        return out

    def count(self, f: Formula) -> int:
        """Applicable answer combinations of the units f touches that satisfy f."""
        if f is True:
            return 1
        if f is False:
            return 0
        cached = self._memo.get(f)
        if cached is not None:
            return cached
        units = self.units_of(f)
        result: int | None = None
        if f[0] == "not":
            result = self._product(units) - self.count(f[1])
        elif f[0] in ("and", "or") and len(units) > 1:
            comps = self._components(f[1])
            if len(comps) > 1:
                if f[0] == "and":
                    result = 1
                    for parts, _units in comps:
                        result *= self.count(f_and(parts))
                else:
                    miss = 1
                    for parts, cu in comps:
                        miss *= self._product(cu) - self.count(f_or(parts))
                    result = self._product(units) - miss
        if result is None:
            result = self._expand(f, units)
        self._memo[f] = result
        return result

    def _components(self, parts: tuple[Formula, ...]) -> list[tuple[list[Formula], set[str]]]:
        comps: list[tuple[list[Formula], set[str]]] = []
        for p in parts:
            pu = self.units_of(p)
            merged_parts, merged_units = [p], set(pu)
            rest = []
            for cp, cu in comps:
                if cu & merged_units:
                    merged_parts = cp + merged_parts
                    merged_units |= cu
                else:
                    rest.append((cp, cu))
            comps = rest + [(merged_parts, merged_units)]
        return comps

    def _expand(self, f: Formula, units: set[str]) -> int:
        lits = literals(f)
        per_unit: dict[str, int] = {}
        for c in lits:
            per_unit[self.unit_of[c]] = per_unit.get(self.unit_of[c], 0) + 1
        u = max(sorted(per_unit), key=lambda k: per_unit[k])
        mine = frozenset(c for c in lits if self.unit_of[c] == u)
        total = 0
        others = units - {u}
        for sig, weight in self.q_dist(u, mine, False).items():
            g = assign(f, {c: c in sig for c in mine})
            if g is False:
                continue
            left = self.units_of(g) if g is not True else set()
            total += weight * self.count(g) * self._product(others - left)
        return total

    def service_count(self, f: Formula) -> int:
        """Applicable combinations of the whole service that satisfy f."""
        touched = self.units_of(f)
        return self.count(f) * self._product(u for u in self.units if u not in touched)

    def group_count(self) -> int:
        """Independent groups: units joined when a rule's condition mentions both (for the report)."""
        parent = {u: u for u in self.units}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for rule in self.c.rules:
            us = sorted({self.unit_of[c] for c, _pos in rule.literals})
            for a in us[1:]:
                parent[find(a)] = find(us[0])
        return len({find(u) for u in self.units})

    def counts(self) -> Counts:
        c = self.c
        counts = Counts()
        counts.combinations = self._product_all()
        counts.blocked = counts.combinations - self._product(self.units)
        rule_f = {r.code: to_formula(r.condition) for r in c.rules}
        for r in c.rules:
            counts.rule_hits[r.code] = self.service_count(rule_f[r.code])
        for o in c.options:
            counts.option_hits[o] = self.service_count(("lit", o))
        in_plan: dict[str, Formula] = {}
        for s in c.steps:
            adders = [rule_f[r.code] for r in c.rules for e in r.effects if e["op"] == EffectOp.ADD_ITEM and e["item"] == s.code]
            removers = [rule_f[r.code] for r in c.rules for e in r.effects
                        if e["op"] == EffectOp.REMOVE_ITEM and e["item"] == s.code]
            added = True if s.base else f_or(adders)
            in_plan[s.code] = f_and([added, f_not(f_or(removers))])
            counts.item_hits[s.code] = self.service_count(in_plan[s.code])
            if adders and removers:
                counts.conflicts[s.code] = self.service_count(f_and([f_or(adders), f_or(removers)]))
        for r in c.rules:
            for i, e in enumerate(r.effects):
                if e["op"] == EffectOp.ADD_MATERIAL and e.get("item"):
                    counts.orphans[f"{r.code}#{i}"] = self.service_count(f_and([rule_f[r.code], f_not(in_plan[e["item"]])]))
        return counts

    def _product_all(self) -> int:
        out = 1
        for u in self.units:
            out *= self.total_all[u]
        return out

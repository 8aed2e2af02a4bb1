"""The situation engine: published snapshot + answers → one plan. Pure and deterministic.

Public entry points (the applicant and window flows build on these):

    plan_for(service_code, answers) -> Plan
        Plan of the *published* version of a service. One query finds the current version; its
        compiled form is cached per version (snapshots are immutable), so a plan is pure Python.
        Raises ServiceNotPublished (404) for an unknown or unpublished code and AnswerError (400,
        `.errors` = {question_code: [messages]}) for unknown question/option codes.
    compile_snapshot(snapshot) -> CompiledService      (no database; raises DefinitionError)
    CompiledService.plan(answers) -> Plan
    Plan.to_dict() -> JSON-ready dict (the API's answer; the notice and the merged form read it)

`answers` maps question code → option code (single choice) or list of option codes (multiple);
order inside lists and key order are irrelevant. Answers to questions that are not visible
(their revealing option is not chosen) are ignored and listed in `plan.ignored`.

What a plan holds, and how each part is decided:

- items: the base steps plus those added by a rule whose condition holds, minus those removed by a
  rule (removal wins; the verifier reports such conflicts);
- materials: every included item's guide materials merged by material kind (asked once). A material
  whose kind an *earlier* included step produces (its result_licence_type or its step's `produces`)
  is marked `produced` — the business licence that registration issues satisfies the food permit's
  licence copy — and kinds listed in `merged_form_kinds` are replaced by the merged form;
- form: the service's base fields plus added fields, each once, prefilled from the answer to the
  question named by `prefill_from`;
- days: the critical path through the steps (explicit depends_on plus "uses the output of"): parallel
  steps take the maximum, dependent steps add up;
- fees, one joint inspection, visits (max over items' max_visits; 0 when every item can be done
  online and delivered by post), departments, notes, block messages and missing required answers.

Every line carries `because`: the answers that caused it (empty for base steps), and the rules.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from onewindow.core.errors import DomainError

from .choices import EffectOp, MaterialStatus, QuestionKind
from .definition import DefinitionError, condition_options, condition_problems, effect_problems, parse_amount

Cause = tuple[str, str]  # (question code, option code)
NECESSITY_RANK = {"required": 0, "deferrable": 1, "optional": 2}
ONLINE_FORMS = {"2", "3"}


class AnswerError(DomainError):
    """Answers that do not fit the service: unknown question or option codes, two options for a
    single-choice question. `errors` maps the question code to messages (the API returns it as 400)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("；".join(f"{k}: {'，'.join(v)}" for k, v in errors.items()))
        self.errors = errors


class ServiceNotPublished(DomainError):
    status_code = 404


# ---- compiled form ------------------------------------------------------------------------------------

@dataclass(slots=True)
class CQuestion:
    code: str
    text: str
    kind: str
    required: bool
    show_on_notice: bool
    parent: str | None  # revealing option code
    options: tuple[str, ...]
    help_text: str = ""


@dataclass(slots=True)
class COption:
    code: str
    text: str
    question: str
    blocks: bool
    block_message: str


@dataclass(slots=True)
class CRule:
    index: int
    code: str
    description: str
    condition: Any
    test: Callable[[frozenset[str]], bool]
    effects: list[dict[str, Any]]
    literals: tuple[tuple[str, bool], ...]  # (option code, positive polarity) in condition order


@dataclass(slots=True)
class CMaterial:
    key: str
    kind: str
    row: dict[str, Any]
    producers: tuple[int, ...]  # earlier steps that produce this kind


@dataclass(slots=True)
class CStep:
    index: int
    code: str
    data: dict[str, Any]
    base: bool
    days: int
    ancestors: tuple[int, ...]  # transitive predecessors, explicit and "uses the output of"
    direct: tuple[int, ...]
    materials: list[CMaterial]
    produces: frozenset[str]
    online: bool
    max_visits: int


class CompiledService:
    """A snapshot compiled for fast plans: conditions become closures, dependencies a closure table."""

    def __init__(self, snapshot: dict[str, Any]):
        problems: list[str] = []
        self.snapshot = snapshot
        self.code: str = snapshot.get("code", "")
        self.name: str = snapshot.get("name", "")
        self.number: int = int(snapshot.get("number", 0) or 0)
        self.questions: list[CQuestion] = []
        self.options: dict[str, COption] = {}
        for q in snapshot.get("questions", []):
            opts = tuple(o["code"] for o in q.get("options", []))
            self.questions.append(CQuestion(q["code"], q.get("text", q["code"]), q.get("kind", QuestionKind.SINGLE),
                                            bool(q.get("required", True)), bool(q.get("show_on_notice", True)),
                                            q.get("revealed_by"), opts, q.get("help_text", "")))
            for o in q.get("options", []):
                if o["code"] in self.options:
                    problems.append(f"选项代码重复：{o['code']}")
                self.options[o["code"]] = COption(o["code"], o.get("text", o["code"]), q["code"],
                                                  bool(o.get("blocks")), o.get("block_message", ""))
        self.question_by_code = {q.code: q for q in self.questions}
        if len(self.question_by_code) != len(self.questions):
            problems.append("问题代码重复")
        self.visibility_order = self._visibility_order(problems)

        self.steps: list[CStep] = []
        self.step_by_code: dict[str, CStep] = {}
        self._compile_steps(snapshot.get("steps", []), problems)

        self.rules: list[CRule] = []
        for i, r in enumerate(snapshot.get("rules", [])):
            where = f"规则 {r.get('code', i + 1)}"
            cond_problems = condition_problems(r.get("condition"))
            if cond_problems:
                problems += [f"{where}：{p}" for p in cond_problems]
                continue
            unknown = [c for c in condition_options(r["condition"]) if c not in self.options]
            if unknown:
                problems.append(f"{where}的条件引用了不存在的选项：{', '.join(unknown)}")
            problems += [f"{where}：{p}" for p in effect_problems(r.get("effects"))]
            for e in r.get("effects") or []:
                if isinstance(e, dict) and e.get("item") and e["item"] not in self.step_by_code:
                    problems.append(f"{where}引用的事项 {e['item']} 不在本一件事的办理环节中")
                if isinstance(e, dict) and e.get("op") == EffectOp.ADD_FIELD and isinstance(e.get("field"), dict):
                    pf = e["field"].get("prefill_from")
                    if pf and pf not in self.question_by_code:
                        problems.append(f"{where}的表单字段 {e['field'].get('name')} 预填自不存在的问题 {pf}")
            self.rules.append(CRule(i, r.get("code", str(i + 1)), r.get("description", ""), r["condition"],
                                    _compile_condition(r["condition"]), list(r.get("effects") or []),
                                    tuple(_literals(r["condition"], True))))
        self.base_fields = [dict(f) for f in snapshot.get("form_fields", [])]
        for f in self.base_fields:
            if f.get("prefill_from") and f["prefill_from"] not in self.question_by_code:
                problems.append(f"表单字段 {f.get('name')} 预填自不存在的问题 {f['prefill_from']}")
        self.merged_form_kinds = frozenset(snapshot.get("merged_form_kinds", []))
        if problems:
            raise DefinitionError(problems)

    # -- compile helpers
    def _visibility_order(self, problems: list[str]) -> list[CQuestion]:
        """Questions so that every follow-up comes after the question whose option reveals it."""
        order: list[CQuestion] = []
        state: dict[str, int] = {}  # 1 visiting, 2 done

        def visit(q: CQuestion, path: list[str]) -> None:
            if state.get(q.code) == 2:
                return
            if state.get(q.code) == 1:
                cycle = path[path.index(q.code):] + [q.code]
                problems.append(f"追问形成循环：{' → '.join(cycle)}")
                return
            state[q.code] = 1
            if q.parent is not None:
                opt = self.options.get(q.parent)
                if opt is None:
                    problems.append(f"问题 {q.code} 由不存在的选项 {q.parent} 引出")
                else:
                    visit(self.question_by_code[opt.question], path + [q.code])
            state[q.code] = 2
            order.append(q)

        for q in self.questions:
            visit(q, [])
        return order

    def _compile_steps(self, rows: list[dict[str, Any]], problems: list[str]) -> None:
        codes = [r["item"] for r in rows]
        index = {c: i for i, c in enumerate(codes)}
        if len(index) != len(codes):
            problems.append("办理环节中有重复事项")
        produces = [frozenset(([r["result_licence_type"]] if r.get("result_licence_type") else [])
                              + list(r.get("produces", []))) for r in rows]
        preds: list[set[int]] = [set() for _ in rows]
        for i, r in enumerate(rows):
            for dep in r.get("depends_on", []):
                if dep not in index:
                    problems.append(f"环节 {r.get('name', r['item'])} 的前置环节 {dep} 不在本一件事中")
                else:
                    preds[i].add(index[dep])
        mats: list[list[CMaterial]] = []
        for i, r in enumerate(rows):
            out = []
            for m in r.get("materials", []):
                kind = m.get("kind") or ""
                key = kind or f"name:{m.get('name', '')}"
                producers = tuple(j for j in range(i) if kind and kind in produces[j])
                # Using an earlier step's output makes this step wait for it.
                preds[i].update(producers)
                out.append(CMaterial(key, kind, m, producers))
            mats.append(out)
        # Transitive closure in topological order; a cycle is a definition error.
        topo: list[int] = []
        state = [0] * len(rows)

        def visit(i: int, path: list[int]) -> None:
            if state[i] == 2:
                return
            if state[i] == 1:
                cycle = path[path.index(i):] + [i]
                problems.append("办理环节互为前置（循环）：" + " → ".join(rows[k].get("name", codes[k]) for k in cycle))
                return
            state[i] = 1
            for p in sorted(preds[i]):
                visit(p, path + [i])
            state[i] = 2
            topo.append(i)

        for i in range(len(rows)):
            visit(i, [])
        ancestors: list[set[int]] = [set() for _ in rows]
        for i in topo:
            for p in preds[i]:
                ancestors[i].add(p)
                ancestors[i].update(ancestors[p])
        self.topo = topo
        for i, r in enumerate(rows):
            forms = set(r.get("handling_forms", []))
            step = CStep(
                index=i, code=codes[i], data=r, base=bool(r.get("base", True)),
                days=int(r["days"] if r.get("days") is not None else r.get("promised_days", 0) or 0),
                ancestors=tuple(sorted(ancestors[i])), direct=tuple(sorted(preds[i])), materials=mats[i],
                produces=produces[i], online=bool(forms & ONLINE_FORMS) and bool(r.get("supports_express", False)),
                max_visits=int(r.get("max_visits", 1) or 0),
            )
            self.steps.append(step)
            self.step_by_code[step.code] = step

    # -- answers
    def normalise(self, answers: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
        """Validate answers; return {question: options in definition order}. Unanswered questions are absent."""
        errors: dict[str, list[str]] = {}
        out: dict[str, tuple[str, ...]] = {}
        if answers is None:
            answers = {}
        if not isinstance(answers, Mapping):
            raise AnswerError({"answers": ["答案应为 {问题代码: 选项代码或选项代码列表}"]})
        for qcode, value in answers.items():
            q = self.question_by_code.get(qcode) if isinstance(qcode, str) else None
            if q is None:
                errors[str(qcode)] = ["没有这个问题"]
                continue
            if value is None or value == "" or value == []:
                continue
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
                errors[qcode] = ["答案应为选项代码或选项代码列表"]
                continue
            bad = [v for v in values if v not in q.options]
            if bad:
                errors[qcode] = [f"选项 {v} 不属于该问题" for v in dict.fromkeys(bad)]
                continue
            chosen = set(values)
            if q.kind == QuestionKind.SINGLE and len(chosen) > 1:
                errors[qcode] = ["单选题只能选择一个选项"]
                continue
            out[qcode] = tuple(o for o in q.options if o in chosen)
        if errors:
            raise AnswerError(errors)
        return out

    # -- the plan
    def plan(self, answers: Mapping[str, Any] | None) -> Plan:
        given = self.normalise(answers)
        visible: list[CQuestion] = []
        chosen_list: list[str] = []
        chosen_set: set[str] = set()
        answered: dict[str, tuple[str, ...]] = {}
        for q in self.visibility_order:
            if q.parent is not None and q.parent not in chosen_set:
                continue
            visible.append(q)
            picked = given.get(q.code)
            if picked:
                answered[q.code] = picked
                chosen_list.extend(picked)
                chosen_set.update(picked)
        chosen = frozenset(chosen_set)
        plan = Plan(service=self, answers=answered, chosen=chosen)
        visible_codes = {v.code for v in visible}
        plan.visible = [q.code for q in self.questions if q.code in visible_codes]
        plan.ignored = sorted(q for q in given if q not in answered)
        plan.missing = [q.code for q in self.questions
                        if q.required and q.code in plan.visible and q.code not in answered and q.options]
        plan.blocks = [Line(self.options[o].block_message or "该情形不能在此申请", ((self.options[o].question, o),))
                       for o in chosen_list if self.options[o].blocks]

        # Rules
        added: dict[str, list[CRule]] = {}
        removed: dict[str, list[CRule]] = {}
        add_materials: list[tuple[CRule, int, dict[str, Any]]] = []
        removed_kinds: list[tuple[CRule, str, str | None]] = []
        fields_added: list[tuple[CRule, dict[str, Any]]] = []
        fields_removed: dict[str, CRule] = {}
        inspection: list[Line] = []
        for rule in self.rules:
            if not rule.test(chosen):
                continue
            plan.fired.append(rule.code)
            for i, e in enumerate(rule.effects):
                op = e["op"]
                if op == EffectOp.ADD_ITEM:
                    added.setdefault(e["item"], []).append(rule)
                elif op == EffectOp.REMOVE_ITEM:
                    removed.setdefault(e["item"], []).append(rule)
                elif op == EffectOp.ADD_MATERIAL:
                    add_materials.append((rule, i, e))
                elif op == EffectOp.REMOVE_MATERIAL:
                    removed_kinds.append((rule, e["kind"], e.get("item")))
                elif op == EffectOp.ADD_FIELD:
                    fields_added.append((rule, e["field"]))
                elif op == EffectOp.REMOVE_FIELD:
                    fields_removed.setdefault(e["name"], rule)
                elif op == EffectOp.ADD_NOTE:
                    plan.notes.append(Line(e["text"], self._causes(rule, chosen, answered), (rule.code,)))
                elif op == EffectOp.ADD_FEE:
                    plan.fees.append(Fee(e["name"], parse_amount(e["amount"]), e.get("description", ""),
                                         e.get("basis", ""), self._causes(rule, chosen, answered), (rule.code,)))
                elif op == EffectOp.REQUIRE_INSPECTION:
                    inspection.append(Line(e.get("text") or rule.description or "需要现场踏勘",
                                           self._causes(rule, chosen, answered), (rule.code,)))

        # Items
        included: list[CStep] = []
        item_causes: dict[int, tuple[Cause, ...]] = {}
        for step in self.steps:
            adders = added.get(step.code, [])
            removers = removed.get(step.code, [])
            if adders and removers:
                plan.conflicts.append((step.code, tuple(r.code for r in adders), tuple(r.code for r in removers)))
            if removers or not (step.base or adders):
                continue
            causes = () if step.base else _merge(self._causes(r, chosen, answered) for r in adders)
            item_causes[step.index] = causes
            included.append(step)
            plan.items.append(PlanItem(step, causes, tuple(r.code for r in adders)))
        in_plan = {s.index for s in included}
        by_code = {s.code for s in included}

        # Days: longest path through the included steps.
        finish: dict[int, int] = {}
        via: dict[int, int | None] = {}
        for i in self.topo:
            if i not in in_plan:
                continue
            best, best_p = 0, None
            for a in self.steps[i].ancestors:
                if a in in_plan and finish[a] > best:
                    best, best_p = finish[a], a
            finish[i] = best + self.steps[i].days
            via[i] = best_p
        if finish:
            end = max(sorted(finish), key=lambda k: finish[k])
            plan.days = finish[end]
            path: list[int] = []
            cur: int | None = end
            while cur is not None:
                path.append(cur)
                cur = via[cur]
            plan.critical_path = [self.steps[k].code for k in reversed(path)]
        for planned in plan.items:
            planned.depends_on = tuple(self.steps[a].code for a in planned.step.direct if a in in_plan)

        # Materials, merged by kind.
        removed_for: dict[tuple[str, str | None], CRule] = {}
        waiver: CRule | None
        for waiver, kind, target in removed_kinds:
            removed_for.setdefault((kind, target), waiver)
        merged: dict[str, Material] = {}
        for step in included:
            causes = item_causes[step.index]
            for m in step.materials:
                waiver = removed_for.get((m.kind, None)) or removed_for.get((m.kind, step.code))
                if m.kind and waiver is not None:
                    plan.waived.append((m.kind, step.code, waiver.code))
                    continue
                if m.kind and m.kind in self.merged_form_kinds:
                    status, producer = MaterialStatus.MERGED_FORM, None
                else:
                    producer = next((self.steps[p].code for p in m.producers if p in in_plan), None)
                    status = MaterialStatus.PRODUCED if producer else MaterialStatus.REQUEST
                _merge_material(merged, m.key, m.kind, m.row, step.code, status, producer, causes, ())
        for adder, i, e in add_materials:
            owner_code: str | None = e.get("item")
            if owner_code and owner_code not in by_code:
                plan.orphans.append((adder.code, i, e["kind"], owner_code))
                continue
            waiver = removed_for.get((e["kind"], None)) or removed_for.get((e["kind"], owner_code))
            if waiver is not None:
                plan.waived.append((e["kind"], owner_code or "", waiver.code))
                continue
            owner = self.step_by_code[owner_code] if owner_code else None
            producers = [s for s in included if e["kind"] in s.produces and (owner is None or s.index < owner.index)]
            if e["kind"] in self.merged_form_kinds:
                status, producer = MaterialStatus.MERGED_FORM, None
            elif producers:
                status, producer = MaterialStatus.PRODUCED, producers[0].code
            else:
                status, producer = MaterialStatus.REQUEST, None
            row = {"name": e["name"], "kind": e["kind"], "necessity": e.get("necessity", "required"),
                   "form": e.get("form", "original"), "originals": e.get("originals", 1), "copies": e.get("copies", 0),
                   "notes": e.get("notes", "")}
            _merge_material(merged, e["kind"], e["kind"], row, owner_code or "", status, producer,
                            self._causes(adder, chosen, answered), (adder.code,))
        plan.materials = list(merged.values())

        # The merged form.
        seen_fields: set[str] = set()
        specs: list[tuple[dict[str, Any], CRule | None]] = [(f, None) for f in self.base_fields]
        specs += [(f, r) for r, f in fields_added]
        for spec, adder_of_field in specs:
            name = spec["name"]
            if name in seen_fields or name in fields_removed:
                continue
            seen_fields.add(name)
            causes = self._causes(adder_of_field, chosen, answered) if adder_of_field else ()
            value: Any = None
            prefill_cause: tuple[Cause, ...] = ()
            source = spec.get("prefill_from")
            if source and source in answered:
                opts = answered[source]
                texts = [self.options[o].text for o in opts]
                value = texts[0] if self.question_by_code[source].kind == QuestionKind.SINGLE else "、".join(texts)
                prefill_cause = tuple((source, o) for o in opts)
            plan.form.append(FormField(spec, value, _merge([causes, prefill_cause]),
                                       (adder_of_field.code,) if adder_of_field else ()))

        # Fees of the items themselves (amount per the guide's description), then rule fees already added.
        item_fees = [Fee(s.data.get("name", s.code), None, s.data.get("fee_description", ""), s.data.get("fee_basis", ""),
                         item_causes[s.index], (), item=s.code) for s in included if s.data.get("fee_required")]
        plan.fees = item_fees + plan.fees

        # One joint inspection for every reason.
        for s in included:
            if s.data.get("inspection"):
                inspection.append(Line(f"{s.data.get('name', s.code)}需要现场踏勘", item_causes[s.index], (), item=s.code))
        plan.inspection = inspection

        # Visits: none when everything can be applied for online and delivered by post.
        if included and not all(s.online for s in included):
            plan.visits = max(s.max_visits for s in included)
            plan.visit_items = [s.code for s in included if not s.online and s.max_visits == plan.visits]
        return plan

    def _causes(self, rule: CRule | None, chosen: frozenset[str], answered: dict[str, tuple[str, ...]]) -> tuple[Cause, ...]:
        """The answers that made a rule fire: its chosen positive options, and for a negated option the
        answer given instead (e.g. "not llc" holds because 个体工商户 was chosen)."""
        if rule is None:
            return ()
        out: list[Cause] = []
        for code, positive in rule.literals:
            q = self.options[code].question
            if positive:
                if code in chosen:
                    out.append((q, code))
            elif code not in chosen and q in answered:
                out.extend((q, o) for o in answered[q])
        return tuple(dict.fromkeys(out))

    def describe_cause(self, cause: Cause) -> dict[str, str]:
        q, o = cause
        return {"question": q, "option": o, "question_text": self.question_by_code[q].text,
                "option_text": self.options[o].text}

    def why(self, causes: tuple[Cause, ...], default: str = "基础事项，所有情形均需办理") -> str:
        if not causes:
            return default
        return "因为" + "；".join(f"{self.question_by_code[q].text}：{self.options[o].text}" for q, o in causes)


def _compile_condition(cond: Any) -> Callable[[frozenset[str]], bool]:
    if isinstance(cond, str):
        code: str = cond
        return lambda s: code in s
    (key, value), = cond.items()
    if key == "not":
        inner = _compile_condition(value)
        return lambda s: not inner(s)
    subs = [_compile_condition(c) for c in value]
    if all(isinstance(c, str) for c in value):  # the common flat case: set operations
        codes = frozenset(value)
        if key == "all":
            return lambda s: codes <= s
        return lambda s: not codes.isdisjoint(s)
    if key == "all":
        return lambda s: all(f(s) for f in subs)
    return lambda s: any(f(s) for f in subs)


def _literals(cond: Any, positive: bool) -> list[tuple[str, bool]]:
    if isinstance(cond, str):
        return [(cond, positive)]
    (key, value), = cond.items()
    if key == "not":
        return _literals(value, not positive)
    return [lit for c in value for lit in _literals(c, positive)]


def _merge(groups: Any) -> tuple[Cause, ...]:
    out: dict[Cause, None] = {}
    for g in groups:
        for c in g:
            out.setdefault(c, None)
    return tuple(out)


# ---- the plan -----------------------------------------------------------------------------------------

@dataclass(slots=True)
class Line:
    text: str
    because: tuple[Cause, ...] = ()
    rules: tuple[str, ...] = ()
    item: str = ""


@dataclass(slots=True)
class Fee:
    name: str
    amount: Decimal | None
    description: str
    basis: str
    because: tuple[Cause, ...]
    rules: tuple[str, ...]
    item: str = ""


@dataclass(slots=True)
class PlanItem:
    step: CStep
    because: tuple[Cause, ...]
    rules: tuple[str, ...]
    depends_on: tuple[str, ...] = ()


@dataclass(slots=True)
class Material:
    key: str
    kind: str
    name: str
    status: str
    produced_by: str | None
    necessity: str
    forms: list[str]
    originals: int
    copies: int
    notes: str
    variants: list[tuple[str, str, str]]  # (item, name as the item calls it, status for that item)
    because: tuple[Cause, ...]
    rules: tuple[str, ...]


@dataclass(slots=True)
class FormField:
    spec: dict[str, Any]
    value: Any
    because: tuple[Cause, ...]
    rules: tuple[str, ...]


def _merge_material(merged: dict[str, Material], key: str, kind: str, row: dict[str, Any], item: str, status: str,
                    producer: str | None, causes: tuple[Cause, ...], rules: tuple[str, ...]) -> None:
    necessity = row.get("necessity", "required")
    form = row.get("form", "original")
    m = merged.get(key)
    if m is None:
        merged[key] = Material(key, kind, row.get("name", ""), status, producer, necessity, [form],
                               int(row.get("originals", 0) or 0), int(row.get("copies", 0) or 0), row.get("notes", ""),
                               [(item, row.get("name", ""), status)], causes, rules)
        return
    m.variants.append((item, row.get("name", ""), status))
    if status == MaterialStatus.REQUEST:
        if m.status != MaterialStatus.REQUEST:
            # Someone still needs it from the applicant: it is asked for (once) after all.
            m.status, m.produced_by, m.name, m.necessity = status, None, row.get("name", m.name), necessity
        elif NECESSITY_RANK.get(necessity, 0) < NECESSITY_RANK.get(m.necessity, 0):
            m.necessity = necessity
    if form not in m.forms:
        m.forms.append(form)
    m.originals = max(m.originals, int(row.get("originals", 0) or 0))
    m.copies = max(m.copies, int(row.get("copies", 0) or 0))
    if row.get("notes") and row["notes"] not in m.notes:
        m.notes = f"{m.notes}；{row['notes']}" if m.notes else row["notes"]
    m.because = _merge([m.because, causes])
    m.rules = tuple(dict.fromkeys(m.rules + rules))


@dataclass(slots=True)
class Plan:
    service: CompiledService
    answers: dict[str, tuple[str, ...]]
    chosen: frozenset[str]
    visible: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    blocks: list[Line] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)
    items: list[PlanItem] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)
    waived: list[tuple[str, str, str]] = field(default_factory=list)
    form: list[FormField] = field(default_factory=list)
    fees: list[Fee] = field(default_factory=list)
    notes: list[Line] = field(default_factory=list)
    inspection: list[Line] = field(default_factory=list)
    days: int = 0
    critical_path: list[str] = field(default_factory=list)
    visits: int = 0
    visit_items: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    orphans: list[tuple[str, int, str, str]] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.blocks)

    @property
    def complete(self) -> bool:
        """Every visible required question answered and nothing blocks: ready for the notice and the form."""
        return not self.blocks and not self.missing

    @property
    def item_codes(self) -> list[str]:
        return [i.step.code for i in self.items]

    @property
    def needs_inspection(self) -> bool:
        return bool(self.inspection)

    @property
    def fee_total(self) -> Decimal:
        return sum((f.amount for f in self.fees if f.amount is not None), Decimal("0.00"))

    def departments(self) -> list[tuple[str, list[str]]]:
        out: dict[str, list[str]] = {}
        for item in self.items:
            out.setdefault(item.step.data.get("department", {}).get("name", ""), []).append(item.step.code)
        return list(out.items())

    def to_dict(self) -> dict[str, Any]:
        s = self.service

        def because(causes: tuple[Cause, ...]) -> list[dict[str, str]]:
            return [s.describe_cause(c) for c in causes]

        item_by_code = {i.step.code: i for i in self.items}
        return {
            "service": {"code": s.code, "name": s.name, "version": s.number},
            "complete": self.complete,
            "blocked": self.blocked,
            "block_messages": [{"text": b.text, "because": because(b.because), "why": s.why(b.because)} for b in self.blocks],
            "missing": [{"question": q, "text": s.question_by_code[q].text} for q in self.missing],
            "ignored": list(self.ignored),
            "answers": {q: (list(v) if s.question_by_code[q].kind == QuestionKind.MULTIPLE else v[0])
                        for q, v in self.answers.items()},
            "questions": [
                {"code": q.code, "text": q.text, "kind": q.kind, "required": q.required,
                 "show_on_notice": q.show_on_notice, "revealed_by": q.parent,
                 "answer": [{"code": o, "text": s.options[o].text} for o in self.answers.get(q.code, ())]}
                for q in s.questions if q.code in self.visible
            ],
            "items": [
                {"code": i.step.code, "name": i.step.data.get("name", ""), "department": i.step.data.get("department", {}).get("name", ""),
                 "section": (i.step.data.get("section") or {}).get("name", ""), "guide_version": i.step.data.get("guide_version"),
                 "days": i.step.days, "base": i.step.base, "depends_on": list(i.depends_on),
                 "result_name": i.step.data.get("result_name", ""), "online": i.step.online,
                 "max_visits": i.step.max_visits, "because": because(i.because), "rules": list(i.rules),
                 "why": s.why(i.because)}
                for i in self.items
            ],
            "materials": [
                {"key": m.key, "kind": m.kind, "name": m.name, "status": m.status,
                 "status_display": str(MaterialStatus(m.status).label), "produced_by": m.produced_by,
                 "produced_by_name": item_by_code[m.produced_by].step.data.get("name", "") if m.produced_by else "",
                 "necessity": m.necessity, "form": "both" if len(m.forms) > 1 else m.forms[0],
                 "originals": m.originals, "copies": m.copies, "notes": m.notes,
                 "items": list(dict.fromkeys(v[0] for v in m.variants if v[0])),
                 "variants": [{"item": v[0], "name": v[1], "status": v[2]} for v in m.variants],
                 "because": because(m.because), "rules": list(m.rules),
                 "why": _material_why(s, m, item_by_code)}
                for m in self.materials
            ],
            "waived_materials": [{"kind": k, "item": it, "rule": r} for k, it, r in self.waived],
            "form": [
                {"name": f.spec["name"], "label": f.spec.get("label", f.spec["name"]), "type": f.spec.get("type", "text"),
                 "required": bool(f.spec.get("required", True)), "value": f.value, "prefilled": f.value is not None,
                 "prefill_from": f.spec.get("prefill_from"), "because": because(f.because), "rules": list(f.rules),
                 "why": s.why(f.because, "综合申请表基础字段")}
                for f in self.form
            ],
            "departments": [{"name": name, "items": codes} for name, codes in self.departments()],
            "days": {"total": self.days, "critical_path": list(self.critical_path),
                     "why": "关键路径：" + " → ".join(f"{item_by_code[c].step.data.get('name', c)}（{item_by_code[c].step.days}）"
                                                    for c in self.critical_path) if self.critical_path else "无需办理的事项"},
            "fees": {
                "lines": [{"name": f.name, "amount": None if f.amount is None else str(f.amount),
                           "description": f.description, "basis": f.basis, "item": f.item,
                           "because": because(f.because), "rules": list(f.rules),
                           "why": s.why(f.because, "事项收费（以办事指南为准）")} for f in self.fees],
                "total": str(self.fee_total),
                "has_unpriced": any(f.amount is None for f in self.fees),
            },
            "inspection": {"required": self.needs_inspection,
                           "reasons": [{"text": r.text, "item": r.item, "because": because(r.because), "rules": list(r.rules),
                                        "why": s.why(r.because, "该事项需要踏勘")} for r in self.inspection]},
            "visits": {"count": self.visits, "items": list(self.visit_items),
                       "why": "全部事项可网上申请、结果可邮寄，无需到现场" if self.visits == 0 and self.items else
                       ("到现场次数取决于：" + "、".join(item_by_code[c].step.data.get("name", c) for c in self.visit_items)
                        if self.visit_items else "")},
            "notes": [{"text": n.text, "because": because(n.because), "rules": list(n.rules), "why": s.why(n.because, "")}
                      for n in self.notes],
            "fired_rules": list(self.fired),
            "conflicts": [{"item": c, "added_by": list(a), "removed_by": list(r)} for c, a, r in self.conflicts],
            "orphan_materials": [{"rule": r, "index": i, "kind": k, "item": it} for r, i, k, it in self.orphans],
        }


def _material_why(s: CompiledService, m: Material, items: dict[str, PlanItem]) -> str:
    names = [items[v[0]].step.data.get("name", v[0]) for v in m.variants if v[0] in items]
    need = "、".join(dict.fromkeys(names)) or "本一件事"
    text = f"{need}需要"
    if m.status == MaterialStatus.PRODUCED and m.produced_by:
        text += f"；由「{items[m.produced_by].step.data.get('name', m.produced_by)}」办理结果提供，无需提交"
    elif m.status == MaterialStatus.MERGED_FORM:
        text += "；由综合申请表替代"
    if m.rules:
        text += "；" + s.why(m.because, "")
    return text


# ---- published versions -------------------------------------------------------------------------------

# Keyed by (version id, published_at): ids alone can come back after a rolled-back transaction (SQLite
# test databases), the pair cannot.
_cache: dict[tuple[int, Any], CompiledService] = {}
_cache_lock = threading.Lock()
CACHE_SIZE = 512


def compile_snapshot(snapshot: dict[str, Any]) -> CompiledService:
    return CompiledService(snapshot)


def compiled_version(key: tuple[int, Any], load: Callable[[], dict[str, Any]]) -> CompiledService:
    """The compiled form of an immutable published version (key: its id and published_at), compiled
    once per process."""
    compiled = _cache.get(key)
    if compiled is None:
        compiled = CompiledService(load())
        with _cache_lock:
            if len(_cache) >= CACHE_SIZE:
                _cache.clear()
            _cache[key] = compiled
    return compiled


def compiled_for(service_code: str) -> CompiledService:
    """The compiled current version of a service: one indexed query, then the per-version cache.

    The lookup is plain SQL on purpose: the ORM spends ~0.5 ms compiling this two-table query, which is
    25 times the query itself and three times the plan; everything else is cached by version."""
    from django.db import connection

    from .models import IntegratedService, IntegratedServiceVersion

    versions, services = IntegratedServiceVersion._meta.db_table, IntegratedService._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.id, v.published_at FROM {versions} v JOIN {services} s ON s.id = v.service_id "  # noqa: S608
            "WHERE s.code = %s AND s.is_active = %s AND v.status = %s",
            [service_code, True, "published"],
        )
        row = cursor.fetchone()
    if row is None:
        raise ServiceNotPublished(f"没有已发布的一件事：{service_code}")
    pk, at = row
    return compiled_version((pk, str(at)),
                            lambda: IntegratedServiceVersion.objects.values_list("snapshot", flat=True).get(pk=pk))


def plan_for(service_code: str, answers: Mapping[str, Any] | None) -> Plan:
    """The plan of the published version of `service_code` for `answers` (see the module docstring)."""
    return compiled_for(service_code).plan(answers)

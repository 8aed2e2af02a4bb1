"""A synthetic catalog of integrated services at the bureau's real size (107 services, 2,895 options),
for tests and benchmarks: `onewindow integrated generate --services 107 --options 2895 [--seed N]`.

Deterministic for a seed. Services are coded `gen-0001` …; running again skips existing codes
(idempotent) unless `replace=True`, which deletes the generated services (never hand-made ones) and
builds them afresh. Steps use a pool of generated items (in synthetic departments, region 990000) or,
with `use_catalog=True`, the published items already in the catalog.

The definitions are realistic in shape and clean by construction, so every generated service
publishes: single and multiple choice questions of 2–5 options, follow-ups under a non-blocking
option, a few blocking options, rules whose conditions span one or two question trees, steps with
dependencies, and rules that add optional steps (with their extra materials), drop base steps, waive
materials, add fields, notes, fees and inspections. Some services have millions of combinations.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from onewindow.catalog import services as catalog_services
from onewindow.catalog.choices import CaseKind, ItemType, Necessity
from onewindow.catalog.models import Material, ServiceItem
from onewindow.core.validators import credit_code_check_char
from onewindow.org import services as org_services
from onewindow.org.models import Department, Section

from . import services
from .models import IntegratedService, IntegratedServiceVersion

PREFIX = "gen-"
POOL_DEPARTMENTS = 6
MATERIAL_KINDS = [f"gen_kind_{i:02d}" for i in range(24)]
LICENCE_KINDS = MATERIAL_KINDS[:6]  # what some pool items produce and others ask for


@dataclass
class GenerateSummary:
    services: int = 0
    skipped: int = 0
    options: int = 0
    questions: int = 0
    rules: int = 0
    published: int = 0
    items_in_pool: int = 0
    seconds: float = 0.0
    codes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"生成一件事 {self.services} 个（跳过已存在 {self.skipped} 个），问题 {self.questions}，选项 {self.options}，"
                f"规则 {self.rules}，发布 {self.published}；事项池 {self.items_in_pool} 个；用时 {self.seconds:.1f} 秒"]


def _credit(seed: int) -> str:
    first17 = f"11990000G{seed:08d}"[:17]
    return first17 + credit_code_check_char(first17)


def item_pool(*, actor: Any, size: int = 60) -> list[ServiceItem]:
    """Generated items (created once, then reused): departments 合成部门1…, published guides."""
    depts = []
    for d in range(POOL_DEPARTMENTS):
        code = _credit(900 + d)
        dept = Department.objects.filter(credit_code=code).first()
        if dept is None:
            dept = org_services.save_department(actor=actor, department=Department(
                name=f"合成测试部门{d + 1}", short_name=f"合成{d + 1}", credit_code=code, region_code="990000", order=900 + d))
        Section.objects.get_or_create(department=dept, code="gen", defaults={"name": "审批科"})
        depts.append(dept)
    wanted = []
    for i in range(size):
        dept = depts[i % POOL_DEPARTMENTS]
        wanted.append((dept, f"9900{i:08d}", dept.credit_code + "4" + f"9900{i:08d}", i))
    existing = {it.implementation_code: it for it in ServiceItem.objects.filter(implementation_code__in=[w[2] for w in wanted])}
    rng = random.Random(20260101)  # the pool never depends on the services' seed
    pool = []
    for dept, basic, code, i in wanted:
        days = rng.choice([0, 0, 1, 2, 3, 5, 7, 10, 15])
        produces = LICENCE_KINDS[i % len(LICENCE_KINDS)] if i % 4 == 0 else ""
        kinds = rng.sample(MATERIAL_KINDS, rng.randint(3, 6))
        if produces in kinds:
            kinds.remove(produces)
        item = existing.get(code)
        if item is None:
            item = catalog_services.save_item(actor=actor, item=ServiceItem(
                basic_code=basic, implementation_code=code, name=f"合成事项{i + 1:03d}", item_type=ItemType.LICENSING,
                department=dept, section=dept.sections.first(), target_groups=["1", "2"],
                case_kind=CaseKind.PROMISED if days else CaseKind.INSTANT, statutory_days=max(days, 20),
                promised_days=days, handling_forms=["1", "2"] if i % 3 else ["1"], max_visits=i % 3,
                supports_express=bool(i % 2), result_name=f"合成结果{i + 1}", result_licence_type=produces,
                fee_required=i % 11 == 0, fee_basis="合成收费依据" if i % 11 == 0 else "",
                fee_description="按标准收取" if i % 11 == 0 else ""))
            for j, kind in enumerate(kinds):
                catalog_services.save_material(actor=actor, material=Material(
                    item=item, order=j, name=f"材料{kind[-2:]}号", kind=kind, originals=1, copies=j % 2,
                    necessity=Necessity.DEFERRABLE if j == 2 else Necessity.REQUIRED))
        if not item.published_version:
            catalog_services.publish_guide(actor=actor, item=item, change_note="合成事项")
        pool.append(item)
    return pool


def generate_definition(rng: random.Random, n_options: int, items: list[str],
                        kinds_of: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """One clean service definition with exactly n_options options over the given item codes
    (`kinds_of` gives each item's material kinds, so waivers name kinds the steps really ask for)."""
    sizes: list[int] = []
    while sum(sizes) < n_options:
        left = n_options - sum(sizes)
        size = min(left, rng.randint(2, 5))
        if left - size == 1:  # never leave a one-option question
            size += 1
        sizes.append(size)
    questions: list[dict[str, Any]] = []
    root_of: dict[str, str] = {}  # option → its top-level question (its independence unit)
    openers: list[str] = []  # non-blocking options that may reveal a follow-up
    for qi, size in enumerate(sizes):
        kind = "multiple" if rng.random() < 0.3 else "single"
        parent = rng.choice(openers) if openers and rng.random() < 0.3 else None
        qcode = f"q{qi + 1}"
        block_at = rng.randrange(size) if kind == "single" and size >= 3 and rng.random() < 0.12 else None
        options = []
        for oi in range(size):
            code = f"{qcode}o{oi + 1}"
            blocks = oi == block_at
            options.append({"code": code, "text": f"情形{qi + 1}-{oi + 1}", "blocks": blocks,
                            "block_message": "该情形不属于本一件事的受理范围，请咨询窗口。" if blocks else ""})
            root_of[code] = root_of[parent] if parent else qcode
            if not blocks:
                openers.append(code)
        questions.append({"code": qcode, "text": f"合成问题{qi + 1}", "kind": kind,
                          "required": rng.random() < 0.7, "show_on_notice": True, "revealed_by": parent,
                          "options": options})
    usable = [o["code"] for q in questions for o in q["options"] if not o["blocks"]]
    question_of = {o["code"]: q["code"] for q in questions for o in q["options"]}

    def condition() -> Any:
        a = rng.choice(usable)
        shape = rng.random()
        others = [o for o in usable if root_of[o] != root_of[a]]
        if shape < 0.45 or not others:
            return a
        b = rng.choice(others)
        if shape < 0.7:
            return {"all": [a, b]}
        if shape < 0.9:
            same = [o for o in usable if question_of[o] == question_of[a] and o != a]
            return {"any": [a, rng.choice(same) if same else b]}
        return {"all": [a, {"not": b}]}

    n_steps = len(items)
    n_base = max(2, n_steps // 3)
    steps = []
    for i, code in enumerate(items):
        deps = sorted(rng.sample(items[:i], min(i, rng.randint(0, 2)))) if i else []
        steps.append({"item": code, "base": i < n_base, "days": rng.choice([None, None, 1, 2]), "depends_on": deps,
                      "inspection": rng.random() < 0.1, "produces": []})
    rules: list[dict[str, Any]] = []
    optional = [s["item"] for s in steps if not s["base"]]
    removable = [s["item"] for s in steps if s["base"]][1:]  # the first base step is never dropped
    n_rules = max(len(optional) + 1, n_options // 2)
    for ri in range(n_rules):
        effects: list[dict[str, Any]] = []
        if ri < len(optional):
            target = optional[ri]
            effects.append({"op": "add_item", "item": target})
            if rng.random() < 0.5:
                effects.append({"op": "add_material", "kind": rng.choice(MATERIAL_KINDS), "name": f"补充材料{ri + 1}",
                                "item": target})
        elif optional and rng.random() < 0.3:
            effects.append({"op": "add_item", "item": rng.choice(optional)})
        elif removable and ri == len(optional):
            effects.append({"op": "remove_item", "item": removable[0]})
        extra = rng.random()
        if extra < 0.25:
            effects.append({"op": "add_note", "text": f"合成告知事项{ri + 1}"})
        elif extra < 0.45:
            q = rng.choice(questions)
            effects.append({"op": "add_field", "field": {"name": f"f{ri + 1}", "label": f"字段{ri + 1}",
                                                         "prefill_from": q["code"], "type": "choice"}})
        elif extra < 0.6:
            effects.append({"op": "add_fee", "name": f"合成收费{ri + 1}", "amount": f"{rng.randint(1, 50) * 10}.00"})
        elif extra < 0.7:
            effects.append({"op": "require_inspection", "text": "合成踏勘"})
        elif extra < 0.85:
            present = sorted({k for code in items for k in (kinds_of or {}).get(code, [])}) or MATERIAL_KINDS
            effects.append({"op": "remove_material", "kind": rng.choice(present)})
        if not effects:
            effects.append({"op": "add_note", "text": f"合成告知事项{ri + 1}"})
        # A rule that drops a base step fires on one option only: "any of all options" of a required
        # question would drop it in every combination.
        removes = any(e["op"] == "remove_item" for e in effects)
        rules.append({"code": f"r{ri + 1}", "description": f"合成规则{ri + 1}",
                      "condition": rng.choice(usable) if removes else condition(), "effects": effects})
    return {"questions": questions, "rules": rules, "steps": steps}


def generate_catalog(*, actor: Any, services_count: int = 107, options: int = 2895, seed: int = 0,
                     replace: bool = False, use_catalog: bool = False, publish: bool = True) -> GenerateSummary:
    started = time.perf_counter()
    summary = GenerateSummary()
    if options < 2 * services_count:
        raise ValueError("每个一件事至少需要 2 个选项")
    if replace:
        with transaction.atomic():
            doomed = IntegratedService.objects.filter(code__startswith=PREFIX)
            IntegratedServiceVersion.objects.filter(service__in=doomed).delete()
            doomed.delete()
    if use_catalog:
        pool = list(ServiceItem.objects.published().exclude(implementation_code__contains="9900").order_by("pk"))
        if len(pool) < 10:
            raise ValueError("目录中已发布的事项不足 10 个，无法使用现有事项生成")
    else:
        with transaction.atomic():
            pool = item_pool(actor=actor)
    summary.items_in_pool = len(pool)
    by_code = {i.implementation_code: i for i in pool}
    kinds_of: dict[str, list[str]] = {}
    for code, kind in Material.objects.filter(item__in=pool).exclude(kind="").values_list("item__implementation_code", "kind"):
        kinds_of.setdefault(code, []).append(kind)
    codes = [i.implementation_code for i in pool]
    per, extra = divmod(options, services_count)
    existing = set(IntegratedService.objects.filter(code__startswith=PREFIX).values_list("code", flat=True))
    for n in range(services_count):
        code = f"{PREFIX}{n + 1:04d}"
        if code in existing:
            summary.skipped += 1
            continue
        rng = random.Random(seed * 100_003 + n)
        n_options = per + (1 if n < extra else 0)
        definition = generate_definition(rng, n_options, rng.sample(codes, rng.randint(4, 9)), kinds_of)
        with transaction.atomic():
            service = services.save_service(actor=actor, service=IntegratedService(
                code=code, name=f"合成一件事{n + 1:03d}", description="由生成器构造的一件事，用于测试和基准。",
                audience="enterprise" if n % 2 else "citizen", order=1000 + n, merged_form_kinds=[],
                form_fields=[{"name": "applicant", "label": "申请人", "type": "text"},
                             {"name": "phone", "label": "联系电话", "type": "phone"}]))
            services.define_service(actor=actor, service=service, definition=definition, items=by_code)
            if publish:
                services.publish_service(actor=actor, service=service, change_note="生成")
                summary.published += 1
        summary.services += 1
        summary.codes.append(code)
        summary.questions += len(definition["questions"])
        summary.options += n_options
        summary.rules += len(definition["rules"])
    summary.seconds = time.perf_counter() - started
    return summary

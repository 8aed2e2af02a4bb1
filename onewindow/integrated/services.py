"""Writes to integrated services: saving the working copy and publishing verified versions."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from onewindow.audit.services import record_event
from onewindow.catalog.choices import GuideStatus
from onewindow.catalog.models import GuideVersion, ServiceItem
from onewindow.catalog.services import build_snapshot as build_guide_snapshot

from . import choices
from .definition import effect_items
from .models import (
    IntegratedService,
    IntegratedServiceVersion,
    Rule,
    ServiceStep,
    SituationOption,
    SituationQuestion,
)
from .verify import Report, verify_snapshot

SNAPSHOT_FORMAT = 1
# What a step carries from its item's published guide (what plans, notices and linked cases need).
STEP_GUIDE_FIELDS = [
    "name", "short_name", "basic_code", "item_type", "case_kind", "promised_days", "statutory_days", "max_visits",
    "handling_forms", "supports_express", "supports_online_payment", "fee_required", "fee_description", "fee_basis",
    "result_name", "result_licence_type", "place", "special_procedures",
]
MATERIAL_FIELDS = ["id", "name", "kind", "necessity", "form", "originals", "copies", "source", "notes"]


class PublishRefused(ValidationError):
    """Verification found errors; nothing was written. `.report` holds the whole verification report."""

    def __init__(self, report: Report):
        super().__init__([f.message for f in report.errors])
        self.report = report


def build_snapshot(service: IntegratedService) -> tuple[dict[str, Any], list[str]]:
    """The working copy as a snapshot dict, plus the problems that only the database can see
    (items that are not published, rules naming items that do not exist or are not steps).

    Each step embeds its item's *published* guide, so the integrated version pins the guide versions it
    was verified against."""
    return build_snapshots([service])[service.pk]


def build_snapshots(services_: list[IntegratedService]) -> dict[int, tuple[dict[str, Any], list[str]]]:
    """build_snapshot for many services in a fixed number of queries (the verify command's whole catalog)."""
    ids = [s.pk for s in services_]
    questions: dict[int, list[SituationQuestion]] = {pk: [] for pk in ids}
    for q in (SituationQuestion.objects.filter(service_id__in=ids).select_related("revealed_by")
              .prefetch_related(Prefetch("options", queryset=SituationOption.objects.order_by("order", "id")))
              .order_by("order", "id")):
        questions[q.service_id].append(q)
    rules: dict[int, list[Rule]] = {pk: [] for pk in ids}
    for r in Rule.objects.filter(service_id__in=ids, is_active=True).order_by("order", "id"):
        rules[r.service_id].append(r)
    steps: dict[int, list[ServiceStep]] = {pk: [] for pk in ids}
    for st in (ServiceStep.objects.filter(service_id__in=ids).select_related("item__department", "item__section")
               .prefetch_related(Prefetch("depends_on", queryset=ServiceStep.objects.select_related("item")))
               .order_by("order", "id")):
        steps[st.service_id].append(st)
    item_ids = {st.item_id for rows in steps.values() for st in rows}
    guides = {g.item_id: g for g in GuideVersion.objects.filter(item__in=item_ids, status=GuideStatus.PUBLISHED)}
    referenced = {code for rows in rules.values() for r in rows for code in effect_items(_effects(r))}
    existing = set(ServiceItem.objects.filter(implementation_code__in=referenced).values_list("implementation_code", flat=True))
    return {s.pk: _snapshot(s, questions[s.pk], rules[s.pk], steps[s.pk], guides, existing) for s in services_}


def _effects(rule: Rule) -> list[Any]:
    return rule.effects if isinstance(rule.effects, list) else []


def _snapshot(service: IntegratedService, questions: list[SituationQuestion], rules: list[Rule],
              steps: list[ServiceStep], guides: dict[int, GuideVersion], existing: set[str]) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    step_rows = []
    for step in steps:
        item = step.item
        guide = guides.get(item.pk)
        if guide is None or not item.is_active:
            problems.append(f"事项「{item.name}」（{item.implementation_code}）{'未启用' if not item.is_active else '尚未发布办事指南'}")
            source = build_guide_snapshot(item)
            number = 0
        else:
            source, number = guide.snapshot, guide.number
        row: dict[str, Any] = {"item": item.implementation_code}
        row.update({f: source.get(f) for f in STEP_GUIDE_FIELDS})
        row.update({
            "guide_version": number, "base": step.base,
            "days": step.days if step.days is not None else int(source.get("promised_days") or 0),
            "depends_on": [d.item.implementation_code for d in sorted(step.depends_on.all(), key=lambda d: (d.order, d.pk))],
            "inspection": step.inspection, "produces": list(step.produces),
            "department": {"id": item.department_id, "name": item.department.name,
                           "credit_code": item.department.credit_code},
            "section": {"id": item.section_id, "name": item.section.name} if item.section else None,
            "materials": [{f: m.get(f) for f in MATERIAL_FIELDS} for m in source.get("materials", [])],
        })
        step_rows.append(row)
    step_codes = {r["item"] for r in step_rows}
    for code in sorted({c for r in rules for c in effect_items(_effects(r))} - step_codes):
        users = ", ".join(r.code for r in rules if code in effect_items(_effects(r)))
        if code in existing:
            problems.append(f"规则 {users} 引用的事项 {code} 不是本一件事的办理环节（请先添加为环节）")
        else:
            problems.append(f"规则 {users} 引用的事项 {code} 不存在")
    departments: dict[str, None] = {}
    for r in step_rows:
        departments.setdefault(r["department"]["name"], None)
    snapshot = {
        "format": SNAPSHOT_FORMAT, "code": service.code, "name": service.name, "description": service.description,
        "audience": service.audience, "number": 0,
        "form_fields": list(service.form_fields or []), "merged_form_kinds": list(service.merged_form_kinds or []),
        "questions": [
            {"code": q.code, "text": q.text, "help_text": q.help_text, "kind": q.kind, "required": q.required,
             "show_on_notice": q.show_on_notice, "revealed_by": q.revealed_by.code if q.revealed_by else None,
             "options": [{"code": o.code, "text": o.text, "blocks": o.blocks, "block_message": o.block_message}
                         for o in q.options.all()]}
            for q in questions
        ],
        "rules": [{"code": r.code, "description": r.description, "condition": r.condition, "effects": r.effects}
                  for r in rules],
        "steps": step_rows,
        "departments": list(departments),
    }
    return snapshot, problems


def verify_service(service: IntegratedService) -> Report:
    """Verify the working copy (what publishing would freeze)."""
    return _verified(service)[1]


def verify_services(services_: list[IntegratedService]) -> list[Report]:
    """Verify many working copies; the snapshots are built with a fixed number of queries."""
    built = build_snapshots(services_)
    return [_verified(s, built[s.pk])[1] for s in services_]


def _verified(service: IntegratedService,
              built: tuple[dict[str, Any], list[str]] | None = None) -> tuple[dict[str, Any], Report]:
    snapshot, problems = built or build_snapshot(service)
    report = verify_snapshot(snapshot, extra_errors=problems)
    if problems:
        # The compiler says "not among the steps" about the same unknown items; keep the database's
        # clearer message only.
        codes = {c for text in problems for c in re.findall(r"[0-9A-Z]{20,50}", text)}
        report.findings = [f for f in report.findings
                           if not (f.check == "structure" and "不在本一件事的办理环节中" in f.message
                                   and any(c in f.message for c in codes))]
    return snapshot, report


@transaction.atomic
def save_service(*, actor: Any, service: IntegratedService) -> IntegratedService:
    """Validate and save the working copy (not visible to applicants until published)."""
    service.full_clean()
    created = service.pk is None
    service.save()
    record_event(actor=actor, action="integrated_created" if created else "integrated_changed", obj=service,
                 summary=service.name)
    return service


@transaction.atomic
def publish_service(*, actor: Any, service: IntegratedService, change_note: str = "") -> IntegratedServiceVersion:
    """Verify the working copy and publish it as a new version; the previous one stays readable.

    Refused (PublishRefused, nothing written) when verification finds an error. The service row is
    locked so two administrators publishing at once get consecutive numbers; publishing an unchanged
    working copy returns the current version."""
    locked = IntegratedService.objects.select_for_update().get(pk=service.pk)
    locked.full_clean()
    snapshot, report = _verified(locked)
    if not report.ok:
        raise PublishRefused(report)
    current = IntegratedServiceVersion.objects.filter(service=locked, status=choices.VersionStatus.PUBLISHED).first()
    if current is not None and current.snapshot == {**snapshot, "number": current.number}:
        return current
    number = (IntegratedServiceVersion.objects.filter(service=locked).aggregate(n=Max("number"))["n"] or 0) + 1
    snapshot["number"] = number
    IntegratedServiceVersion.objects.filter(service=locked, status=choices.VersionStatus.PUBLISHED).update(
        status=choices.VersionStatus.SUPERSEDED
    )
    version = IntegratedServiceVersion.objects.create(
        service=locked, number=number, snapshot=snapshot, report=report.to_dict(), change_note=change_note[:300],
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    IntegratedService.objects.filter(pk=locked.pk).update(published_version=number, updated_at=timezone.now())
    service.published_version = number
    record_event(actor=actor, action="integrated_published", obj=version, summary=f"{locked.name} v{number}",
                 data={"service": locked.pk, "number": number, "warnings": len(report.warnings)})
    return version


def current_version(service: IntegratedService) -> IntegratedServiceVersion | None:
    return IntegratedServiceVersion.objects.filter(service=service, status=choices.VersionStatus.PUBLISHED).first()


def export_definition(service: IntegratedService) -> dict[str, Any]:
    """The working copy's questions, rules and steps in the data-file shape (see define_service)."""
    questions = (SituationQuestion.objects.filter(service=service).select_related("revealed_by")
                 .prefetch_related(Prefetch("options", queryset=SituationOption.objects.order_by("order", "id")))
                 .order_by("order", "id"))
    steps = (ServiceStep.objects.filter(service=service).select_related("item")
             .prefetch_related(Prefetch("depends_on", queryset=ServiceStep.objects.select_related("item")))
             .order_by("order", "id"))
    return {
        "questions": [
            {"code": q.code, "text": q.text, "help_text": q.help_text, "kind": q.kind, "required": q.required,
             "show_on_notice": q.show_on_notice, "revealed_by": q.revealed_by.code if q.revealed_by else None,
             "options": [{"code": o.code, "text": o.text, "blocks": o.blocks, "block_message": o.block_message}
                         for o in q.options.all()]}
            for q in questions
        ],
        "rules": [{"code": r.code, "description": r.description, "condition": r.condition, "effects": r.effects}
                  for r in Rule.objects.filter(service=service, is_active=True).order_by("order", "id")],
        "steps": [
            {"item": s.item.implementation_code, "base": s.base, "days": s.days,
             "depends_on": [d.item.implementation_code for d in sorted(s.depends_on.all(), key=lambda d: (d.order, d.pk))],
             "inspection": s.inspection, "produces": list(s.produces)}
            for s in steps
        ],
    }


def canonical_definition(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition with defaults filled in, for comparing a data file with the database."""
    return {
        "questions": [
            {"code": q["code"], "text": q["text"], "help_text": q.get("help_text", ""),
             "kind": q.get("kind", choices.QuestionKind.SINGLE), "required": bool(q.get("required", True)),
             "show_on_notice": bool(q.get("show_on_notice", True)), "revealed_by": q.get("revealed_by"),
             "options": [{"code": o["code"], "text": o["text"], "blocks": bool(o.get("blocks", False)),
                          "block_message": o.get("block_message", "")} for o in q.get("options", [])]}
            for q in definition.get("questions", [])
        ],
        "rules": [{"code": r["code"], "description": r.get("description", ""), "condition": r["condition"],
                   "effects": r["effects"]} for r in definition.get("rules", [])],
        "steps": [{"item": s["item"], "base": bool(s.get("base", True)), "days": s.get("days"),
                   "depends_on": sorted(s.get("depends_on", [])), "inspection": bool(s.get("inspection", False)),
                   "produces": list(s.get("produces", []))} for s in definition.get("steps", [])],
    }


@transaction.atomic
def define_service(*, actor: Any, service: IntegratedService, definition: dict[str, Any],
                   items: dict[str, ServiceItem] | None = None) -> IntegratedService:
    """Replace the working copy's questions, options, rules and steps with `definition` (the data-file
    shape: {"questions": [{code, text, kind, required, show_on_notice, revealed_by, options: [...]}],
    "rules": [{code, description, condition, effects}], "steps": [{item, base, days, depends_on,
    inspection, produces}]}). Bulk writes, so a generated catalog of thousands of options loads in
    seconds; shape problems are refused here, everything else by verification at publishing.
    Published versions are snapshots and are not touched."""
    from .definition import condition_problems, effect_problems

    d = canonical_definition(definition)
    problems: list[str] = []
    codes = [q["code"] for q in d["questions"]]
    option_codes = [o["code"] for q in d["questions"] for o in q["options"]]
    for label, values in (("问题代码", codes), ("选项代码", option_codes), ("规则代码", [r["code"] for r in d["rules"]]),
                          ("办理环节", [s["item"] for s in d["steps"]])):
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            problems.append(f"{label}重复：{', '.join(dupes)}")
    for q in d["questions"]:
        if q["revealed_by"] and q["revealed_by"] not in option_codes:
            problems.append(f"问题 {q['code']} 由不存在的选项 {q['revealed_by']} 引出")
        for o in q["options"]:
            if o["blocks"] and not o["block_message"].strip():
                problems.append(f"选项 {o['code']} 选择后不能申请，但没有说明原因和去处")
    for r in d["rules"]:
        problems += [f"规则 {r['code']}：{p}" for p in condition_problems(r["condition"]) + effect_problems(r["effects"])]
    wanted = [s["item"] for s in d["steps"]]
    if items is None:
        items = {i.implementation_code: i for i in ServiceItem.objects.filter(implementation_code__in=wanted)}
    problems += [f"事项 {code} 不存在" for code in wanted if code not in items]
    step_codes = set(wanted)
    for s in d["steps"]:
        problems += [f"环节 {s['item']} 的前置环节 {dep} 不在本一件事中" for dep in s["depends_on"] if dep not in step_codes]
    if problems:
        raise ValidationError(problems)

    SituationQuestion.objects.filter(service=service).update(revealed_by=None)
    SituationOption.objects.filter(service=service).delete()
    SituationQuestion.objects.filter(service=service).delete()
    Rule.objects.filter(service=service).delete()
    ServiceStep.objects.filter(service=service).delete()

    questions = SituationQuestion.objects.bulk_create([
        SituationQuestion(service=service, code=q["code"], text=q["text"][:200], help_text=q["help_text"][:300],
                          kind=q["kind"], required=q["required"], show_on_notice=q["show_on_notice"], order=i * 10)
        for i, q in enumerate(d["questions"])
    ])
    question_by_code = {q.code: q for q in SituationQuestion.objects.filter(service=service)}
    SituationOption.objects.bulk_create([
        SituationOption(service=service, question=question_by_code[q["code"]], code=o["code"], text=o["text"][:200],
                        order=j * 10, blocks=o["blocks"], block_message=o["block_message"][:300])
        for q in d["questions"] for j, o in enumerate(q["options"])
    ])
    option_ids = dict(SituationOption.objects.filter(service=service).values_list("code", "pk"))
    follow_ups = []
    for q in d["questions"]:
        if q["revealed_by"]:
            row = question_by_code[q["code"]]
            row.revealed_by_id = option_ids[q["revealed_by"]]
            follow_ups.append(row)
    SituationQuestion.objects.bulk_update(follow_ups, ["revealed_by"])
    Rule.objects.bulk_create([
        Rule(service=service, code=r["code"], description=r["description"][:200], condition=r["condition"],
             effects=r["effects"], order=i * 10)
        for i, r in enumerate(d["rules"])
    ])
    ServiceStep.objects.bulk_create([
        ServiceStep(service=service, item=items[s["item"]], order=i * 10, base=s["base"], days=s["days"],
                    inspection=s["inspection"], produces=s["produces"])
        for i, s in enumerate(d["steps"])
    ])
    step_ids = {code: pk for pk, code in ServiceStep.objects.filter(service=service)
                .values_list("pk", "item__implementation_code")}
    Through = ServiceStep.depends_on.through
    Through.objects.bulk_create([
        Through(from_servicestep_id=step_ids[s["item"]], to_servicestep_id=step_ids[dep])
        for s in d["steps"] for dep in s["depends_on"]
    ])
    record_event(actor=actor, action="integrated_defined", obj=service, summary=service.name,
                 data={"questions": len(questions), "options": len(option_codes), "rules": len(d["rules"]),
                       "steps": len(d["steps"])})
    return service

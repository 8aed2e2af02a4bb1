"""The demo integrated services: `load_integrated(actor=…, data=…)` and the data file beside this module.

Idempotent: a service whose definition already matches the file is left alone, and publishing an
unchanged working copy returns the current version. Steps whose item is not in the catalog (or not
published) are skipped with a warning, together with the rule effects that name them, so the demo
works with whatever county file has been loaded; a rule left without effects is dropped.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from onewindow.catalog.models import ServiceItem

from . import services
from .models import IntegratedService

logger = logging.getLogger("onewindow.integrated")

DEMO_INTEGRATED = Path(__file__).resolve().parent / "data" / "demo-integrated.json"
SERVICE_FIELDS = ("name", "description", "audience", "form_fields", "merged_form_kinds", "order")


class IntegratedDataError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class IntegratedSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    published: int = 0
    skipped_services: list[str] = field(default_factory=list)
    missing_items: list[tuple[str, str, str]] = field(default_factory=list)  # (service, 实施编码, name)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"一件事：新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}，发布新版本 {self.published}"]
        out += [f"  警告：{w}" for w in self.warnings]
        return out


def read_integrated(path: str | Path = DEMO_INTEGRATED) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IntegratedDataError([f"无法读取 {path}：{exc}"]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("services"), list):
        raise IntegratedDataError([f"{path} 应为 {{\"services\": [...]}}"])
    return data


def load_integrated(*, actor: Any, data: dict[str, Any]) -> IntegratedSummary:
    """Create or update, then publish, every integrated service in `data` (see the module docstring)."""
    summary = IntegratedSummary()
    entries = data.get("services", [])
    wanted = {s["item"] for e in entries for s in e.get("steps", [])}
    items = {i.implementation_code: i for i in ServiceItem.objects.filter(implementation_code__in=wanted)
             .select_related("department")}
    for entry in entries:
        _load_one(actor, entry, items, summary)
    for w in summary.warnings:
        logger.warning("integrated_demo %s", w)
    return summary


def _load_one(actor: Any, entry: dict[str, Any], items: dict[str, ServiceItem], summary: IntegratedSummary) -> None:
    code, name = entry["code"], entry.get("name", entry["code"])
    usable = {c for c, i in items.items() if i.is_active and i.published_version > 0}
    missing = [s for s in entry.get("steps", []) if s["item"] not in usable]
    for s in missing:
        summary.missing_items.append((code, s["item"], s.get("name", "")))
        summary.warnings.append(f"{name}：目录中没有已发布的事项 {s['item']}（{s.get('name', '')}），已跳过该环节")
    definition = _without(entry, {s["item"] for s in missing}, summary)
    if not definition["steps"]:
        summary.skipped_services.append(code)
        summary.warnings.append(f"{name}：没有可用的事项，未载入（请先载入县事项目录）")
        return
    with transaction.atomic():
        service = IntegratedService.objects.filter(code=code).first()
        created = service is None
        service = service or IntegratedService(code=code)
        changed = created
        for f in SERVICE_FIELDS:
            if f in entry and getattr(service, f) != entry[f]:
                setattr(service, f, entry[f])
                changed = True
        try:
            if changed:
                services.save_service(actor=actor, service=service)
            if created or services.canonical_definition(services.export_definition(service)) != \
                    services.canonical_definition(definition):
                services.define_service(actor=actor, service=service, definition=definition, items=items)
                changed = True
            before = service.published_version
            services.publish_service(actor=actor, service=service, change_note="由一件事数据文件导入")
        except ValidationError as exc:
            raise IntegratedDataError([f"{name}（{code}）：{m}" for m in exc.messages]) from exc
    summary.created += created
    summary.updated += changed and not created
    summary.unchanged += not changed
    summary.published += service.published_version != before


def _without(entry: dict[str, Any], missing: set[str], summary: IntegratedSummary) -> dict[str, Any]:
    """The entry's definition with the missing items' steps, dependencies and rule effects left out."""
    steps = [dict(s, depends_on=[d for d in s.get("depends_on", []) if d not in missing])
             for s in entry.get("steps", []) if s["item"] not in missing]
    rules = []
    for r in entry.get("rules", []):
        effects = [e for e in r.get("effects", []) if e.get("item") not in missing]
        if not effects:
            summary.warnings.append(f"{entry.get('name', entry['code'])}：规则 {r['code']} 只涉及缺少的事项，已跳过")
            continue
        rules.append(dict(r, effects=effects))
    return {"questions": entry.get("questions", []), "rules": rules, "steps": steps}

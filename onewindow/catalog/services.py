"""Writes to the catalog: saving items, publishing guide versions."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from onewindow.audit.services import record_event

from . import choices
from .models import GuideVersion, Material, ServiceItem

SNAPSHOT_FIELDS = [
    "basic_code", "implementation_code", "name", "short_name", "item_type", "exercise_level", "target_groups",
    "keywords", "case_kind", "statutory_days", "statutory_note", "promised_days", "promised_note",
    "correction_clock", "review_mode", "fee_required", "fee_description", "fee_basis", "handling_forms",
    "max_visits", "supports_appointment", "supports_online_payment", "supports_express", "weekend_service",
    "county_wide", "legal_basis", "conditions", "process", "special_procedures", "place", "hours",
    "consult_phone", "supervise_phone", "faq", "result_name", "result_licence_type",
]
MATERIAL_FIELDS = [
    "name", "kind", "issuer", "originals", "copies", "necessity", "form", "source", "acceptance_standard", "notes",
]


def build_snapshot(item: ServiceItem) -> dict[str, Any]:
    """Everything a guide page, a notice or a case needs, frozen; displays are stored too so old
    versions read the same after a code list's labels change."""
    data: dict[str, Any] = {field: getattr(item, field) for field in SNAPSHOT_FIELDS}
    data["department"] = {"id": item.department_id, "name": item.department.name, "credit_code": item.department.credit_code}
    data["section"] = {"id": item.section_id, "name": item.section.name} if item.section is not None else None
    data["item_type_display"] = item.get_item_type_display()
    data["exercise_level_display"] = item.get_exercise_level_display()
    data["case_kind_display"] = item.get_case_kind_display()
    data["target_groups_display"] = [choices.TargetGroup(c).label for c in item.target_groups]
    data["handling_forms_display"] = [choices.HandlingForm(c).label for c in item.handling_forms]
    data["materials"] = []
    for material in item.materials.all():
        row: dict[str, Any] = {field: getattr(material, field) for field in MATERIAL_FIELDS}
        row["id"] = material.pk
        row["necessity_display"] = material.get_necessity_display()
        row["form_display"] = material.get_form_display()
        row["source_display"] = material.get_source_display()
        row["blank_form"] = material.blank_form.name or ""
        row["sample"] = material.sample.name or ""
        data["materials"].append(row)
    # Lazy translation proxies are not JSON; force them to text.
    return _plain(data)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


@transaction.atomic
def save_item(*, actor: Any, item: ServiceItem) -> ServiceItem:
    """Validate and save the working copy of an item (not yet visible to applicants)."""
    item.full_clean()
    created = item.pk is None
    item.save()
    record_event(actor=actor, action="item_created" if created else "item_changed", obj=item, summary=item.name)
    return item


@transaction.atomic
def save_material(*, actor: Any, material: Material) -> Material:
    material.full_clean()
    created = material.pk is None
    material.save()
    record_event(actor=actor, action="material_created" if created else "material_changed", obj=material,
                 summary=f"{material.item_id}: {material.name}")
    return material


@transaction.atomic
def publish_guide(*, actor: Any, item: ServiceItem, change_note: str = "") -> GuideVersion:
    """Publish the item's current working copy as a new guide version; the previous one stays readable.

    The item row is locked so two administrators publishing at once get consecutive numbers.
    """
    locked = ServiceItem.objects.select_for_update().get(pk=item.pk)
    locked.full_clean()
    snapshot = build_snapshot(locked)
    current = GuideVersion.objects.filter(item=locked, status=choices.GuideStatus.PUBLISHED).first()
    if current is not None and current.snapshot == snapshot:
        return current  # nothing changed: publishing twice is idempotent
    number = (GuideVersion.objects.filter(item=locked).aggregate(n=Max("number"))["n"] or 0) + 1
    GuideVersion.objects.filter(item=locked, status=choices.GuideStatus.PUBLISHED).update(
        status=choices.GuideStatus.SUPERSEDED
    )
    guide = GuideVersion.objects.create(
        item=locked, number=number, snapshot=snapshot, change_note=change_note[:300],
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    ServiceItem.objects.filter(pk=locked.pk).update(published_version=number, updated_at=timezone.now())
    item.published_version = number
    record_event(actor=actor, action="guide_published", obj=guide, summary=f"{locked.name} v{number}",
                 data={"item": locked.pk, "number": number})
    return guide


def current_guide(item: ServiceItem) -> GuideVersion | None:
    return GuideVersion.objects.filter(item=item, status=choices.GuideStatus.PUBLISHED).first()

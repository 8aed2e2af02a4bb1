"""Shared data for the bundle (一件事办件) flow tests: the demo 开办企业 answers, a filled merged form and tiny
valid files, all built from the plan itself so a change in the demo data does not break them silently."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from onewindow.integrated.bundles import form_fields, requested_materials
from onewindow.integrated.engine import plan_for
from onewindow.testing import synthetic_id_number

KAIBAN = "kaiban-qiye"
KAIBAN_LLC = {"company_type": "llc", "rep_present": "rep_yes", "premises": "lease", "employees": "staff_yes",
              "invoices": "invoice_yes", "seals": ["seal_official", "seal_finance"], "bank": "bank_icbc"}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

FORM_VALUES = {
    "enterprise_name": "清河县青禾食品有限公司", "legal_rep_name": "李青禾", "contact_phone": "13800000002",
    "address": "清河县城关镇人民路 8 号", "business_scope": "食品销售（仅销售预包装食品）；日用百货销售",
    "registered_capital": "50", "staff_count": "6", "invoice_kind": "数电普通发票",
}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def form_for(answers: dict[str, Any], service: str = KAIBAN) -> dict[str, str]:
    """Every field the applicant fills in, with a plausible value of the right type."""
    data: dict[str, str] = {}
    for f in form_fields(plan_for(service, answers).to_dict()):
        if f["name"] in FORM_VALUES:
            data[f["name"]] = FORM_VALUES[f["name"]]
        elif f["type"] == "id_number":
            data[f["name"]] = synthetic_id_number(7)
        elif f["type"] == "phone":
            data[f["name"]] = "13800000003"
        elif f["type"] == "number":
            data[f["name"]] = "1"
        elif f["type"] == "date":
            data[f["name"]] = "2026-01-05"
        else:
            data[f["name"]] = "测试"
    return data


def uploads_for(answers: dict[str, Any], service: str = KAIBAN, *, only_required: bool = False) -> dict[str, Any]:
    """One tiny valid file per requested material (PDF and PNG alternately)."""
    files: dict[str, Any] = {}
    for i, m in enumerate(requested_materials(plan_for(service, answers).to_dict())):
        if only_required and m["necessity"] != "required":
            continue
        if i % 2:
            files[m["key"]] = SimpleUploadedFile(f"m{i}.png", png_bytes(), content_type="image/png")
        else:
            files[m["key"]] = SimpleUploadedFile(f"m{i}.pdf", PDF, content_type="application/pdf")
    return files

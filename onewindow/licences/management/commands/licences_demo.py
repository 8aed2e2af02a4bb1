"""`onewindow licences_demo`: licence types for the result licences the published items name, and the demo data
sources (sandbox population and enterprise registers, clearly labelled, plus the local licence library).

Idempotent: existing types and sources are left as they are. Meant for trials and training, after `onewindow demo`.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from onewindow.catalog.models import ServiceItem
from onewindow.licences import services
from onewindow.licences.models import LicenceType
from onewindow.shareddata.models import DataSource

DEMO_SOURCES = [
    {"code": "demo_population", "name": "人口库", "kind": "population", "subject_types": ["111"], "order": 10,
     "owner_name": "县公安局（演示）", "satisfies_material_kinds": ["id_card", "household_register"],
     "adapter": "onewindow.shareddata.adapters.SandboxAdapter", "is_sandbox": True,
     "fields": [{"key": "household_address", "label": "户籍地址", "form_field": "address", "sample": "演示县演示路1号"},
                {"key": "identity_checked", "label": "身份核验结果", "sample": "一致"}]},
    {"code": "demo_enterprise", "name": "法人库", "kind": "enterprise", "subject_types": ["001"], "order": 20,
     "owner_name": "市场监督管理局（演示）", "satisfies_material_kinds": ["id_card"],
     "adapter": "onewindow.shareddata.adapters.SandboxAdapter", "is_sandbox": True,
     "fields": [{"key": "legal_representative", "label": "法定代表人", "form_field": "legal_representative",
                 "sample": "（演示）法定代表人"},
                {"key": "registered_address", "label": "住所", "form_field": "address", "sample": "演示县演示路2号"}]},
    {"code": "licence_library", "name": "电子证照库", "kind": "licence_library", "subject_types": ["111", "001"],
     "order": 30, "owner_name": "本平台", "adapter": "onewindow.shareddata.adapters.LicenceLibraryAdapter",
     "fields": [{"key": "count", "label": "有效证照数"}, {"key": "licences", "label": "证照清单"}]},
]


class Command(BaseCommand):
    help = "为演示创建证照类型和演示沙箱数据源（已有的不改）。"

    def handle(self, *args: Any, **options: Any) -> None:
        types = 0
        rows = (ServiceItem.objects.published().exclude(result_licence_type="").select_related("department")
                .order_by("result_licence_type", "id"))
        seen: set[str] = set()
        for item in rows:
            code = item.result_licence_type
            if code in seen or LicenceType.objects.filter(code=code).exists():
                seen.add(code)
                continue
            seen.add(code)
            owner = item.department.credit_code
            number = LicenceType.objects.filter(owner_credit_code=owner).count() + 1
            services.save_licence_type(actor=None, licence_type=LicenceType(
                code=code, name=item.result_name or item.name, owner_credit_code=owner, type_number=f"{number:03d}",
                face_fields=[{"key": "holder", "label": "名称", "source": "applicant.name"},
                             {"key": "matter", "label": "许可事项", "source": "item.name"},
                             {"key": "case_number", "label": "办件编号", "source": "case.number"}],
                layout={"title": item.result_name or item.name}, satisfies_material_kinds=[code]))
            types += 1
        sources = 0
        for spec in DEMO_SOURCES:
            if not DataSource.objects.filter(code=spec["code"]).exists():
                source = DataSource(**spec)
                source.full_clean()
                source.save()
                sources += 1
        self.stdout.write(f"证照类型：新增 {types}；数据源：新增 {sources}（演示沙箱数据源已标明“演示”）")

"""A small county for licence and shared-data tests, built through the product's services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onewindow.cases import services as case_services
from onewindow.cases.choices import ApplicantKind, CertType
from onewindow.cases.services import ApplicantData
from onewindow.licences import services
from onewindow.licences.models import Licence, LicenceType
from onewindow.testing import Role, credit_code, make_county, make_department, make_item, make_user

BUSINESS_FACE = [
    {"key": "enterprise_name", "label": "名称", "source": "applicant.name"},
    {"key": "legal_representative", "label": "法定代表人", "source": "applicant.legal_representative"},
    {"key": "scope", "label": "经营范围", "source": "form.scope"},
    {"key": "address", "label": "住所", "source": "form.address"},
]


def enterprise(seed: int = 500, name: str = "测试县好味餐饮有限公司") -> ApplicantData:
    return ApplicantData(kind=ApplicantKind.ENTERPRISE, name=name, cert_type=CertType.CREDIT_CODE,
                         cert_number=credit_code(seed), phone="13900000000", legal_representative="李四")


def business_licence_type(**fields: Any) -> LicenceType:
    return services.save_licence_type(actor=None, licence_type=LicenceType(
        code="business_licence", name="营业执照", owner_credit_code=credit_code(900), type_number="001",
        holder_kind="enterprise", face_fields=BUSINESS_FACE, layout={"title": "营业执照", "subtitle": "（电子）"},
        satisfies_material_kinds=["business_licence"], **fields))


@dataclass
class World:
    county: Any
    bureau: Any
    clerk: Any
    approver: Any
    licence_item: Any


def build_world() -> World:
    county = make_county()
    bureau = make_department(seed=1, name="测试县市场监督管理局")
    clerk = make_user("clerk", Role.CLERK, centre=county)
    approver = make_user("approver", Role.APPROVER, department=bureau, section=bureau.sections.first())
    item = make_item(bureau, basic_code="000201001000", name="企业设立登记", result_name="营业执照",
                     result_licence_type="business_licence", promised_days=1, statutory_days=15, materials=2)
    return World(county, bureau, clerk, approver, item)


def approve_case(world: World, applicant: ApplicantData | None = None, item: Any = None,
                 form_data: dict[str, Any] | None = None, approver: Any = None) -> Any:
    """receive → accept → start review → decide (approve) through the real case services."""
    item = item or world.licence_item
    guide = item.guides.get(status="published")
    ids = [m["id"] for m in guide.materials]
    case = case_services.receive_case(
        actor=world.clerk, item=item, applicant=applicant or enterprise(), centre=world.county,
        received_material_ids=ids, form_data=form_data or {"scope": "餐饮服务", "address": "测试县人民路1号"}).case
    case = case_services.accept_case(actor=world.clerk, case=case)
    approver = approver or world.approver
    case = case_services.start_review(actor=approver, case=case)
    return case_services.decide_case(actor=approver, case=case, approve=True, opinion="符合条件，准予许可")


def issued_licence(case: Any) -> Licence:
    return Licence.objects.select_related("seal_key", "licence_type", "authority").get(case=case, version=1)

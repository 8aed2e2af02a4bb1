"""A small county for supervision tests, browser tests and the outbox benchmark, built through the services.

    bureau        测试县行政审批局: approves everything (centralised approval bureau)
    market        测试县市场监督管理局: supervises food permits; competent for 餐饮 after registration
    health        测试县卫生健康局: competent for 公共场所卫生许可 (a free-text permit)
    food          食品经营许可 (bureau), supervised by market
    registration  企业设立登记 (bureau), a business registration: 双告知 applies
    rules         餐饮 → food item (market); 美容美发 → 公共场所卫生许可 (health); 烟草 → 烟草专卖零售许可 (no
                  department known: the pool)

Personas: clerk (county window), approver (bureau), liaison (market), liaison_health, head (market section
head), leader (county leader), admin (system administrator).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from onewindow.cases import services as cases
from onewindow.cases.choices import ApplicantKind, CertType
from onewindow.cases.models import Case
from onewindow.cases.services import ApplicantData
from onewindow.org.choices import Role
from onewindow.testing import (
    credit_code,
    ensure_calendar_seeded,
    make_county,
    make_department,
    make_item,
    make_user,
    person,
)
from onewindow.workdays.calendar import invalidate_calendars

from . import services
from .models import PermitRule, RegistrationItem, SupervisionAssignment


def enterprise(seed: int = 501, name: str = "测试县好味道餐饮有限公司", phone: str = "13700000001") -> ApplicantData:
    return ApplicantData(kind=ApplicantKind.ENTERPRISE, name=name, cert_type=CertType.CREDIT_CODE,
                         cert_number=credit_code(seed), phone=phone, legal_representative="李四")


class World:
    def __init__(self) -> None:
        # Transactional tests flush the seeded calendar; deadlines here must use the official schedule.
        ensure_calendar_seeded()
        invalidate_calendars()
        self.county = make_county()
        self.bureau = make_department(1, "测试县行政审批局")
        self.market = make_department(2, "测试县市场监督管理局")
        self.health = make_department(3, "测试县卫生健康局")
        self.food = make_item(self.bureau, basic_code="000123456000", name="食品经营许可", promised_days=5)
        self.registration = make_item(self.bureau, basic_code="000201001000", name="企业设立登记", promised_days=1,
                                      materials=1)
        self.unsupervised = make_item(self.bureau, basic_code="000301001000", name="临时占道许可", promised_days=3,
                                      materials=1)
        with transaction.atomic():
            services.save_config(actor=None, obj=SupervisionAssignment(item=self.food, department=self.market))
            services.save_config(actor=None, obj=RegistrationItem(item=self.registration))
            services.save_config(actor=None, obj=SupervisionAssignment(item=self.registration, department=self.market))
            self.rule_food = services.save_config(actor=None, obj=PermitRule(
                category="餐饮服务", keywords="餐饮 小吃 饭店", permit_item=self.food, order=1,
                legal_basis="《中华人民共和国食品安全法》第三十五条"))
            self.rule_health = services.save_config(actor=None, obj=PermitRule(
                category="美容美发", keywords="理发 美容", permit_name="公共场所卫生许可", order=2))
            self.rule_health.departments.add(self.health)
            self.rule_tobacco = services.save_config(actor=None, obj=PermitRule(
                category="烟草制品零售", keywords="卷烟 雪茄", permit_name="烟草专卖零售许可", order=3))
        self._users: dict[str, Any] = {}

    def user(self, persona: str) -> Any:
        if persona not in self._users:
            section = self.bureau.sections.first()
            make = {
                "clerk": lambda: make_user("clerk", Role.CLERK, centre=self.county),
                "approver": lambda: make_user("approver", Role.APPROVER, department=self.bureau, section=section),
                "liaison": lambda: make_user("liaison", Role.LIAISON, department=self.market),
                "liaison_health": lambda: make_user("liaison_health", Role.LIAISON, department=self.health),
                "head": lambda: make_user("head", Role.SECTION_HEAD, department=self.market),
                "leader": lambda: make_user("leader", Role.LEADER, centre=self.county),
                "admin": lambda: make_user("sysadmin", Role.SYSTEM_ADMIN),
            }[persona]
            self._users[persona] = make()
        return self._users[persona]

    def material_ids(self, item: Any) -> list[int]:
        return [m["id"] for m in item.guides.get(status="published").materials]

    def accepted(self, item: Any = None, applicant: ApplicantData | None = None,
                 form_data: dict[str, Any] | None = None) -> Case:
        item = item or self.food
        clerk = self.user("clerk")
        case = cases.receive_case(actor=clerk, item=item, applicant=applicant or person(1), centre=self.county,
                                  received_material_ids=self.material_ids(item), form_data=form_data).case
        return cases.accept_case(actor=clerk, case=case)

    def decided(self, item: Any = None, approve: bool = True, applicant: ApplicantData | None = None,
                form_data: dict[str, Any] | None = None) -> Case:
        case = self.accepted(item, applicant, form_data)
        approver = self.user("approver")
        case = cases.start_review(actor=approver, case=case)
        return cases.decide_case(actor=approver, case=case, approve=approve,
                                 opinion="符合条件，准予许可" if approve else "不符合条件")

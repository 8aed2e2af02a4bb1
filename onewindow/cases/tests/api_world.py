"""A small county for the case API tests, built through the builders and the services.

Personas (created on first use, so a test pays only for the people it needs):

    clerk            window clerk at the county centre, where the cases are received
    clerk_other      window clerk at another township (t2)
    approver         approver in the owning section
    approver_other   approver in another department
    head             section head of the owning section
    leader           county leader, bound to nothing: sees everything
    leader_township  leader bound to township t1: sees only t1's subtree
    liaison          supervising liaison of the owning department: sees decided cases only
    owner            the applicant (their account is linked to the applicant record)
    other_applicant  another applicant with their own account
    anonymous        not signed in
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from onewindow.cases import services
from onewindow.cases.models import Case
from onewindow.catalog.choices import ReviewMode
from onewindow.org.choices import CentreLevel, Role
from onewindow.testing import make_centre, make_county, make_department, make_item, make_user, person

PERSONAS = ["clerk", "clerk_other", "approver", "approver_other", "head", "leader", "leader_township", "liaison",
            "owner", "other_applicant", "anonymous"]

OWNER_PHONE = "13912345678"


class World:
    def __init__(self) -> None:
        self.county = make_county()
        self.township = make_centre(self.county, "t1", CentreLevel.TOWNSHIP)
        self.other_township = make_centre(self.county, "t2", CentreLevel.TOWNSHIP)
        self.dept = make_department(1, "测试县市场监督管理局")
        self.other_dept = make_department(2, "测试县人力资源和社会保障局")
        self.section = self.dept.sections.get()
        self.item = make_item(self.dept, basic_code="000123456000", name="食品经营许可")
        self.owner_data = person(1, name="王小明", phone=OWNER_PHONE)
        self._users: dict[str, Any] = {}
        self._staged_item: Any = None

    # -- people --------------------------------------------------------------------------------

    def user(self, persona: str) -> Any:
        if persona == "anonymous":
            return None
        if persona not in self._users:
            self._users[persona] = self._make(persona)
        return self._users[persona]

    def _make(self, persona: str) -> Any:
        if persona == "clerk":
            return make_user("clerk", Role.CLERK, centre=self.county)
        if persona == "clerk_other":
            return make_user("clerk-t2", Role.CLERK, centre=self.other_township)
        if persona == "approver":
            return make_user("approver", Role.APPROVER, department=self.dept, section=self.section)
        if persona == "approver_other":
            return make_user("approver-hr", Role.APPROVER, department=self.other_dept,
                             section=self.other_dept.sections.get())
        if persona == "head":
            return make_user("head", Role.SECTION_HEAD, department=self.dept, section=self.section)
        if persona == "leader":
            return make_user("leader", Role.LEADER)
        if persona == "leader_township":
            return make_user("leader-t1", Role.LEADER, centre=self.township)
        if persona == "liaison":
            return make_user("liaison", Role.LIAISON, department=self.dept)
        if persona == "owner":
            user = make_user("owner")
            services.upsert_applicant(self.owner_data, user=user)
            return user
        if persona == "other_applicant":
            user = make_user("other-applicant")
            services.upsert_applicant(person(2, name="李四", phone="13700000002"), user=user)
            return user
        raise KeyError(persona)

    def client(self, persona: str) -> Client:
        client = Client()
        user = self.user(persona)
        if user is not None:
            client.force_login(user)
        return client

    # -- catalogue -----------------------------------------------------------------------------

    @property
    def staged_item(self) -> Any:
        if self._staged_item is None:
            self._staged_item = make_item(self.dept, basic_code="000123456003", name="建筑工程施工许可",
                                          review_mode=ReviewMode.STAGED)
        return self._staged_item

    @staticmethod
    def material_ids(item: Any, deferrable: bool = True) -> list[int]:
        guide = item.guides.get(status="published")
        return [m["id"] for m in guide.materials if deferrable or m["necessity"] != "deferrable"]

    @staticmethod
    def deferrable_id(item: Any) -> int:
        guide = item.guides.get(status="published")
        return next(m["id"] for m in guide.materials if m["necessity"] == "deferrable")

    # -- cases in a given state, driven through the services ---------------------------------------

    def case(self, state: str, item: Any = None, applicant: Any = None) -> Case:
        item = item or self.item
        applicant = applicant or self.owner_data
        clerk, approver = self.user("clerk"), self.user("approver")
        self.user("owner")  # the owner's account is linked before any case exists
        if state == "submitted":
            return services.submit_online(actor=self.user("owner"), item=item, applicant=applicant,
                                          centre=self.county).case
        if state == "pending":
            case = services.receive_case(actor=clerk, item=item, applicant=applicant, centre=self.county,
                                         received_material_ids=self.material_ids(item, deferrable=False)).case
            return services.accept_case(
                actor=clerk, case=case, promise_text="本人承诺按期补齐",
                pending={self.deferrable_id(item): timezone.localdate() + dt.timedelta(days=10)},
            )
        case = services.receive_case(actor=clerk, item=item, applicant=applicant, centre=self.county,
                                     received_material_ids=self.material_ids(item)).case
        if state == "received":
            return case
        if state == "correction":
            services.request_correction(actor=clerk, case=case, items=[{"material": "申请书", "problem": "缺少签字"}])
            return Case.objects.get(pk=case.pk)
        case = services.accept_case(actor=clerk, case=case)
        if state == "accepted":
            return case
        case = services.start_review(actor=approver, case=case)
        if state == "in_review":
            return case
        if state == "special":
            services.start_special_procedure(actor=approver, case=case, kind="hearing", reason="需要举行听证")
            return Case.objects.get(pk=case.pk)
        case = services.decide_case(actor=approver, case=case, approve=True, opinion="符合条件，准予许可")
        if state == "approved":
            return case
        case = services.deliver_case(actor=clerk, case=case, method="ems", waybill_number="EMS0001")
        if state == "delivered":
            return case
        raise KeyError(state)

    def create_payload(self, **overrides: Any) -> dict[str, Any]:
        data = self.owner_data
        payload: dict[str, Any] = {
            "item": self.item.pk,
            "applicant": {"kind": data.kind, "name": data.name, "cert_type": data.cert_type,
                          "cert_number": data.cert_number, "phone": data.phone},
            "centre": self.county.code,
            "received_material_ids": self.material_ids(self.item),
        }
        payload.update(overrides)
        return payload


def url(case: Case | None = None, action: str = "") -> str:
    if case is None:
        return f"/api/v1/cases/{action + '/' if action else ''}"
    return f"/api/v1/cases/{case.number}/{action + '/' if action else ''}"

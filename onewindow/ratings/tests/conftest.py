"""Ratings fixtures: the hall world of the hall tests, plus cases driven through the case services."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.hall.tests.conftest import MORNING, Clock, at, hall, take  # noqa: F401  (shared fixtures)

__all__ = ["MORNING", "Clock"]


def make_case(hall: Any,  # noqa: F811 - the hall object, also a fixture name
               *, seed: int = 1, done: bool = True, phone: str = "13800000001") -> Any:
    """A case received and accepted by clerk1 and (if `done`) approved by the department's approver."""
    from onewindow.cases import services as case_services
    from onewindow.org.choices import Role
    from onewindow.org.models import StaffRole
    from onewindow.testing import make_user, person

    item = hall.items["food"]
    clerk = hall.clerks["clerk1"]
    guide = item.guides.get(status="published")
    case = case_services.receive_case(
        actor=clerk, item=item, applicant=person(seed, phone=phone), centre=hall.centre,
        received_material_ids=[m["id"] for m in guide.materials]).case
    case = case_services.accept_case(actor=clerk, case=case)
    if done:
        role = StaffRole.objects.filter(role=Role.APPROVER, department=item.department).first()
        approver = role.user if role else make_user(
            "approver", Role.APPROVER, department=item.department, section=item.department.sections.first())
        case = case_services.decide_case(actor=approver, case=case, approve=True, opinion="材料齐全，准予许可。")
    return case


@pytest.fixture
def case_factory(hall: Any) -> Any:  # noqa: F811 - the fixture
    return lambda **kw: make_case(hall, **kw)

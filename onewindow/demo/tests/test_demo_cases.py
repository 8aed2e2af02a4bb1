"""Demo cases come out in every state, through the real services, and a rerun creates nothing new."""

import pytest
from django.contrib.auth import get_user_model

from onewindow.cases.choices import Status
from onewindow.cases.models import Case, CaseEvent
from onewindow.catalog.choices import CaseKind
from onewindow.demo.cases import generate_cases
from onewindow.org.choices import Role
from onewindow.testing import make_county, make_department, make_item, make_user

pytestmark = pytest.mark.django_db


def test_demo_cases_cover_the_states_and_are_idempotent():
    county = make_county()
    dept = make_department()
    make_item(dept, handling_forms=["1", "2"])
    make_item(dept, basic_code="000123456009", name="个体工商户变更登记", promised_days=0, statutory_days=5,
              case_kind=CaseKind.INSTANT)
    make_user("clerk", Role.CLERK, centre=county)
    make_user("approver", Role.APPROVER, department=dept, section=dept.sections.first())
    get_user_model().objects.create_superuser("admin", password="x-demo-only-1")
    created = generate_cases(count=120, seed=7)
    assert created >= 100
    statuses = set(Case.objects.values_list("status", flat=True))
    for status in (Status.RECEIVED, Status.ACCEPTED, Status.IN_REVIEW, Status.APPROVED, Status.DENIED,
                   Status.REFUSED, Status.CORRECTION, Status.SUBMITTED, Status.WITHDRAWN, Status.SPECIAL,
                   Status.REVOKED, Status.APPROVED_PENDING):
        assert status in statuses, status
    assert Case.objects.filter(archived_at__isnull=False).exists()
    assert Case.objects.filter(delivery_method="ems").exists()
    events = CaseEvent.objects.count()
    assert generate_cases(count=120, seed=7) == 0
    assert CaseEvent.objects.count() == events

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from onewindow.licences.models import LicenceType
from onewindow.shareddata.models import DataSource
from onewindow.testing import make_department, make_item

pytestmark = pytest.mark.django_db


def test_it_creates_types_for_published_results_and_labelled_sandbox_sources():
    dept = make_department()
    make_item(dept, result_name="食品经营许可证", result_licence_type="food_business_licence")
    out = StringIO()
    call_command("licences_demo", stdout=out)
    call_command("licences_demo", stdout=StringIO())  # idempotent
    licence_type = LicenceType.objects.get()
    assert licence_type.code == "food_business_licence" and licence_type.name == "食品经营许可证"
    assert all(s.is_sandbox for s in DataSource.objects.filter(adapter__endswith="SandboxAdapter"))
    assert DataSource.objects.count() == 3
    assert "新增 1" in out.getvalue()

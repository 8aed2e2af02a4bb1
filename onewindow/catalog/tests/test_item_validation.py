"""An item is checked by Model.clean() for every entry point: bad input gets a Chinese field error and no row."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from onewindow.audit.models import AuditEvent
from onewindow.catalog import services
from onewindow.catalog.choices import CaseKind, ItemType
from onewindow.catalog.models import Material, ServiceItem
from onewindow.org.models import Section
from onewindow.testing import make_item

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")


def new_item(department, **overrides) -> ServiceItem:
    basic = overrides.pop("basic_code", "000123456000")
    fields = dict(
        basic_code=basic, implementation_code=department.credit_code + "4" + basic, name="食品经营许可",
        item_type=ItemType.LICENSING, department=department, target_groups=["1", "2"], handling_forms=["1"],
        case_kind=CaseKind.PROMISED, statutory_days=20, promised_days=5,
    )
    fields.update(overrides)
    return ServiceItem(**fields)


def field_errors(item: ServiceItem) -> dict[str, list[str]]:
    """Save through the service and return its field errors; asserts nothing was written."""
    items, events = ServiceItem.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.save_item(actor=None, item=item)
    assert ServiceItem.objects.count() == items
    assert AuditEvent.objects.count() == events
    return caught.value.message_dict


def assert_chinese(messages: list[str]) -> None:
    assert messages and all(HAN.search(m) for m in messages), messages


def test_it_saves_a_valid_item_with_an_audit_event(department):
    item = services.save_item(actor=None, item=new_item(department))
    assert ServiceItem.objects.get(pk=item.pk).serves_citizens
    assert AuditEvent.objects.filter(action="item_created", object_id=str(item.pk)).exists()


@pytest.mark.parametrize("code", ["abc123", "12345", "000123456000-1", "ＡＢＣ１２３４５６"])
def test_it_refuses_a_malformed_basic_code(department, code):
    item = new_item(department)
    item.basic_code = code
    errors = field_errors(item)
    assert "basic_code" in errors
    assert_chinese(errors["basic_code"])
    assert "基本编码" in errors["basic_code"][0]


@pytest.mark.parametrize("suffix", ["", "4", "9000123456000", "4abc", "4" + "0" * 40])
def test_it_refuses_a_malformed_implementation_code(department, suffix):
    item = new_item(department)
    item.implementation_code = department.credit_code + suffix
    errors = field_errors(item)
    assert "implementation_code" in errors
    assert_chinese(errors["implementation_code"])


def test_it_refuses_an_implementation_code_of_another_department(department, other_department):
    item = new_item(department)
    item.implementation_code = other_department.credit_code + "4" + item.basic_code
    errors = field_errors(item)
    assert errors["implementation_code"] == [f"实施编码应以实施主体的统一社会信用代码 {department.credit_code} 开头。"]


def test_it_refuses_an_implementation_code_that_does_not_end_with_the_basic_code(department):
    item = new_item(department, basic_code="000123456000")
    item.implementation_code = department.credit_code + "4" + "000999999000"
    assert field_errors(item)["implementation_code"] == ["实施编码应以基本编码结尾。"]


def test_it_refuses_a_promised_limit_longer_than_the_statutory_one(department):
    errors = field_errors(new_item(department, statutory_days=20, promised_days=25))
    assert errors["promised_days"] == ["承诺时限（25）不能超过法定时限（20）。"]


def test_the_database_refuses_a_promised_limit_longer_than_the_statutory_one_even_without_clean(department):
    item = make_item(department, publish=False, materials=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItem.objects.filter(pk=item.pk).update(promised_days=30)
    item.promised_days = 30
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()
    assert ServiceItem.objects.get(pk=item.pk).promised_days == 5


def test_it_refuses_promised_days_on_an_instant_item(department):
    errors = field_errors(new_item(department, case_kind=CaseKind.INSTANT, promised_days=3))
    assert errors["promised_days"] == ["即办件的承诺时限应为 0 个工作日。"]


def test_it_asks_a_promised_item_for_its_promised_days(department):
    errors = field_errors(new_item(department, case_kind=CaseKind.PROMISED, promised_days=0))
    assert_chinese(errors["promised_days"])


def test_it_refuses_a_fee_without_its_legal_basis(department):
    errors = field_errors(new_item(department, fee_required=True, fee_description="每件 10 元"))
    assert errors["fee_basis"] == ["收费事项必须填写收费依据。"]


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("target_groups", ["1", "7"], "无效的代码：7"),
    ("target_groups", [], "至少选择一项。"),
    ("target_groups", "1,2", "至少选择一项。"),
    ("handling_forms", ["5", "x"], "无效的代码：5, x"),
    ("handling_forms", [], "至少选择一项。"),
])
def test_it_refuses_unknown_or_missing_code_list_values(department, field, value, expected):
    errors = field_errors(new_item(department, **{field: value}))
    assert expected in errors[field]


def test_it_refuses_a_section_of_another_department(department, other_department):
    errors = field_errors(new_item(department, section=Section.objects.get(department=other_department)))
    assert errors["section"] == ["承办科室不属于实施主体。"]


def test_it_reports_every_problem_of_an_item_at_once(department):
    errors = field_errors(new_item(department, promised_days=30, fee_required=True, target_groups=["9"]))
    assert {"promised_days", "fee_basis", "target_groups"} <= set(errors)


def test_it_refuses_a_duplicate_implementation_code(department):
    make_item(department, publish=False, materials=0)
    errors = field_errors(new_item(department, name="另一个事项"))
    assert "implementation_code" in errors


def test_it_refuses_a_paper_material_without_any_copy(department):
    item = make_item(department, publish=False, materials=0)
    with pytest.raises(ValidationError) as caught:
        services.save_material(actor=None, material=Material(item=item, name="申请书", originals=0, copies=0))
    assert caught.value.message_dict["originals"] == ["纸质材料至少需要1份原件或复印件。"]
    assert not item.materials.exists()

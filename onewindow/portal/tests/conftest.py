"""A small published catalog for the applicant pages, built through the catalog services."""

from __future__ import annotations

import pytest

from onewindow.catalog.choices import Audience
from onewindow.catalog.models import Topic
from onewindow.testing import make_department, make_item


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def department(db):
    return make_department(1, "测试县市场监督管理局")


@pytest.fixture
def other_department(db):
    return make_department(2, "测试县人力资源和社会保障局")


@pytest.fixture
def food_licence(department):
    """A promised, fee-charging item with a full guide text and two materials (one 容缺)."""
    item = make_item(
        department, name="食品经营许可", target_groups=["2"], fee_required=True, fee_description="每件 10 元",
        fee_basis="《行政事业性收费标准》第 3 条", place="县政务服务中心一楼 3 号窗口", hours="工作日 9:00-17:00",
        consult_phone="0571-12345678", supervise_phone="0571-12345999", result_name="食品经营许可证",
        conditions="已取得营业执照。", process="申请 → 受理 → 审查 → 决定", legal_basis="《中华人民共和国食品安全法》",
        faq="问：需要现场核查吗？\n答：需要，由审批科安排。\n\n问：可以快递送达吗？\n答：可以。", county_wide=True,
    )
    item.topics.add(Topic.objects.create(code="open-restaurant", name="开餐馆", audience=Audience.ENTERPRISE))
    return item


@pytest.fixture
def birth_certificate(other_department):
    return make_item(other_department, basic_code="000200000001", name="出生医学证明", target_groups=["1"],
                     promised_days=0, statutory_days=0, materials=1)

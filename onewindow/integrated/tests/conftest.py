"""Integrated-services fixtures: the demo county with its 一件事 (loaded once per package, rolled back
at the end), small services built through the services, and personas."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import transaction

from onewindow.integrated import services
from onewindow.integrated.models import IntegratedService
from onewindow.testing import Role, make_department, make_item, make_user


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The demo county and the demo integrated services. Loading the county takes seconds, so it is done
    once inside an outer transaction; every test still runs in its own savepoint, and the whole package's
    data is rolled back when the package ends, so other apps' tests never see it."""
    from onewindow.demo.loader import DEMO_DATA, load_county, read_data
    from onewindow.integrated.demo import DEMO_INTEGRATED, load_integrated, read_integrated

    audit = logging.getLogger("onewindow.audit")
    level = audit.level
    audit.setLevel(logging.WARNING)
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            load_county(actor=None, data=read_data(DEMO_DATA))
            yield load_integrated(actor=None, data=read_integrated(DEMO_INTEGRATED))
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            audit.setLevel(level)


@pytest.fixture
def catalog_admin(db):  # type: ignore[no-untyped-def]
    return make_user("catalog-admin", role=Role.CATALOG_ADMIN)


@pytest.fixture
def superuser(django_user_model):  # type: ignore[no-untyped-def]
    return django_user_model.objects.create_superuser("root", password="Root-pass-2026!")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def small_items(db):  # type: ignore[no-untyped-def]
    """Registration (produces the business licence), a permit that asks for it, and a third item."""
    dept = make_department(1, "测试县市场监督管理局")
    other = make_department(2, "测试县消防救援大队")
    registration = make_item(dept, basic_code="000131127004", name="公司设立登记", promised_days=1,
                             result_licence_type="business_licence", result_name="营业执照", materials=2)
    permit = make_item(dept, basic_code="000131700007", name="食品经营许可", promised_days=5, materials=3)
    fire = make_item(other, basic_code="000126702001", name="消防安全检查", promised_days=2, materials=2)
    return registration, permit, fire


def small_definition(registration: Any, permit: Any, fire: Any, **changes: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "questions": [
            {"code": "kind", "text": "主体类型", "options": [{"code": "company", "text": "公司"},
                                                        {"code": "foreign", "text": "外资", "blocks": True,
                                                         "block_message": "请到市级办理"}]},
            {"code": "size", "text": "面积", "options": [{"code": "small", "text": "小"}, {"code": "large", "text": "大"}]},
        ],
        "rules": [
            {"code": "permit", "condition": "company", "effects": [{"op": "add_item", "item": permit.implementation_code}]},
            {"code": "fire", "condition": {"all": ["company", "large"]},
             "effects": [{"op": "add_item", "item": fire.implementation_code}]},
        ],
        "steps": [
            {"item": registration.implementation_code, "base": True},
            {"item": permit.implementation_code, "base": False, "depends_on": [registration.implementation_code]},
            {"item": fire.implementation_code, "base": False},
        ],
    }
    definition.update(changes)
    return definition


def define(code: str, definition: dict[str, Any], name: str = "测试一件事") -> IntegratedService:
    service = services.save_service(actor=None, service=IntegratedService(code=code, name=name,
                                                                          merged_form_kinds=["application"]))
    return services.define_service(actor=None, service=service, definition=definition)

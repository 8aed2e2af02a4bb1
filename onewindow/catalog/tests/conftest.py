"""Catalog personas and a department to hang items on; all built through the services."""

from __future__ import annotations

import pytest

from onewindow.testing import Role, make_county, make_department, make_user


@pytest.fixture
def department(db):
    return make_department(1, "测试县市场监督管理局")


@pytest.fixture
def other_department(db):
    return make_department(2, "测试县人力资源和社会保障局")


@pytest.fixture
def catalog_admin(db):
    return make_user("catalog-admin", role=Role.CATALOG_ADMIN)


@pytest.fixture
def clerk(db):
    return make_user("clerk", role=Role.CLERK, centre=make_county())


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", password="Root-pass-2026!")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

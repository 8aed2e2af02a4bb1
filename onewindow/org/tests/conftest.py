"""The service network the org tests share, built through the services, and the personas."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from onewindow.org.choices import Role
from onewindow.testing import make_centre, make_county, make_department, make_user


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # make_user sets a password; the production hasher costs half a second per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # throttle counters and cached warnings must not leak between tests
    yield
    cache.clear()


@pytest.fixture
def county(db):
    return make_county()


@pytest.fixture
def township(county):
    return make_centre(county, "town-a")


@pytest.fixture
def department(db):
    return make_department(1, "测试县市场监督管理局")


@pytest.fixture
def system_admin(db):
    return make_user("sysadmin", Role.SYSTEM_ADMIN)


@pytest.fixture
def outsider(db):
    """A signed-in user with no role at all."""
    return make_user("outsider")

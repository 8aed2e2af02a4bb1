from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def county(db: None) -> Any:
    from onewindow.testing import make_county

    return make_county()


@pytest.fixture
def clerk(county: Any) -> Any:
    from onewindow.testing import Role, make_user

    return make_user("clerk", Role.CLERK, centre=county)


@pytest.fixture
def sysadmin(county: Any) -> Any:
    from onewindow.testing import Role, make_user

    return make_user("sysadmin", Role.SYSTEM_ADMIN)

from __future__ import annotations

import pytest

from onewindow.supervision.testing import World


@pytest.fixture
def world(db):  # noqa: ARG001 - db makes the fixture usable from plain django_db tests
    return World()

from __future__ import annotations

import pytest

from onewindow.messaging.sms import MemoryBackend
from onewindow.supervision.testing import World

from .receiver import Receiver


@pytest.fixture
def world(db):  # noqa: ARG001
    return World()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.down()


@pytest.fixture(autouse=True)
def sms_gateway():
    MemoryBackend.outbox.clear()
    MemoryBackend.fail = False
    yield MemoryBackend
    MemoryBackend.fail = False

"""Hall test fixtures: a county hall, and the platform clock frozen on an ordinary Tuesday morning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from django.utils import timezone

from onewindow.core import clock
from onewindow.hall.testing import Hall, make_hall

# Tuesday 10 March 2026, 09:30 in the hall (a working day; 2026 is an official calendar year).
MORNING = dt.datetime(2026, 3, 10, 9, 30)


class Clock:
    """Moves the platform clock (onewindow.core.clock) for the services under test."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self.set(MORNING)

    def set(self, at: dt.datetime) -> dt.datetime:
        aware = timezone.make_aware(at) if timezone.is_naive(at) else at
        self._stack.enter_context(clock.frozen(aware))
        self.now = aware
        return aware

    def advance(self, **delta: Any) -> dt.datetime:
        return self.set(self.now + dt.timedelta(**delta))


@pytest.fixture
def at() -> Iterator[Clock]:
    with ExitStack() as stack:
        yield Clock(stack)


@pytest.fixture
def hall(db: None, at: Clock) -> Hall:
    return make_hall()


@pytest.fixture
def take(hall: Hall) -> Callable[..., Any]:
    """take("1", "clerk1"): the clerk sits at the window; returns the HallWindow."""
    from onewindow.hall import services

    def _take(window: str = "1", clerk: str = "clerk1") -> Any:
        return services.take_window(actor=hall.clerks[clerk], window=hall.windows[window])

    return _take

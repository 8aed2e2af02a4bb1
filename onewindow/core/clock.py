"""The platform's notion of "now". Services ask here instead of calling timezone.now() directly so that
simulation and demo data can run the real domain rules at a past instant (`with frozen(at): …`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_override: ContextVar[dt.datetime | None] = ContextVar("onewindow_clock", default=None)


def now() -> dt.datetime:
    return _override.get() or timezone.now()


def today() -> dt.date:
    return timezone.localtime(now()).date()


@contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    token = _override.set(at)
    try:
        yield
    finally:
        _override.reset(token)

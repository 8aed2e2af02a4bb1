"""The background task that drains the outbox (run by `onewindow db_worker`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task


@task()
def deliver_outbox() -> dict[str, int]:
    from .services import deliver_due, next_due_at

    counts = deliver_due(limit=500)
    # Schedule the next retry so a message whose receiver is down is tried again without a cron.
    due = next_due_at()
    if due is not None and due > timezone.now():
        deliver_outbox.using(run_after=max(due, timezone.now() + dt.timedelta(seconds=5))).enqueue()
    return counts

"""Background tasks of supervision (run by `onewindow worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def escalate_handoffs_task() -> dict[str, int]:
    """The escalation sweep as a task, for deployments that schedule tasks rather than run the worker's sweep."""
    from .services import escalate_handoffs

    return escalate_handoffs(actor=None)

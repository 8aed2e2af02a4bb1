"""Reads: the inbox, the bureau's claim statistics, a case's supervision record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from onewindow.org.models import Department

from .choices import EscalationLevel, FeedbackKind, HandoffStatus
from .models import Handoff, HandoffEvent, HandoffFeedback, RegistrationNotice

CLAIMED = [HandoffStatus.CLAIMED, HandoffStatus.CLOSED]


def inbox(user: Any, tab: str, departments: set[int]) -> QuerySet[Handoff]:
    qs = Handoff.objects.visible_to(user).for_list()
    if tab == "pool":
        return qs.pool().order_by("claim_due", "id")
    mine = qs.filter(department_id__in=departments) if departments else qs.exclude(department__isnull=True)
    if tab == "claimed":
        return mine.filter(status=HandoffStatus.CLAIMED).order_by("-claimed_at", "-id")
    if tab == "all":
        return mine.order_by("-created_at", "-id")
    return mine.filter(status=HandoffStatus.PENDING).order_by("claim_due", "id")


def claim_stats(handoffs: QuerySet[Handoff], today: dt.date) -> list[dict[str, Any]]:
    """Per department (the pool as its own row): pushed, claimed, claim rate, claimed on time, unclaimed and
    overdue now, escalated, feedback given. Two grouped queries, whatever the number of departments."""
    grouped = handoffs.values("department").annotate(
        total=Count("id"),
        claimed=Count("id", filter=Q(status__in=CLAIMED)),
        on_time=Count("id", filter=Q(claimed_on_time=True)),
        pending=Count("id", filter=Q(status=HandoffStatus.PENDING)),
        overdue=Count("id", filter=Q(status=HandoffStatus.PENDING, claim_due__lt=today)),
        escalated=Count("id", filter=Q(status=HandoffStatus.PENDING, escalation__gte=EscalationLevel.HEAD)),
        closed=Count("id", filter=Q(status=HandoffStatus.CLOSED)),
    )
    feedback = dict(HandoffFeedback.objects.filter(handoff__in=handoffs.values("pk"))
                    .values_list("handoff__department").annotate(n=Count("id")).values_list("handoff__department", "n"))
    names = {d.pk: d for d in Department.objects.filter(pk__in=[g["department"] for g in grouped if g["department"]])}
    rows = []
    for g in grouped:
        dept = names.get(g["department"]) if g["department"] else None
        rows.append(g | {
            "department_obj": dept, "name": dept.name if dept else "认领池（部门不明确）",
            "claim_rate": g["claimed"] / g["total"] if g["total"] else None,
            "on_time_rate": g["on_time"] / g["total"] if g["total"] else None,
            "feedback": feedback.get(g["department"], 0),
        })
    rows.sort(key=lambda r: (r["department_obj"] is None, -(r["overdue"]), r["name"]))
    return rows


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ["total", "claimed", "on_time", "pending", "overdue", "escalated", "closed", "feedback"]
    result: dict[str, Any] = {k: sum(r[k] for r in rows) for k in keys}
    result["claim_rate"] = result["claimed"] / result["total"] if result["total"] else None
    result["on_time_rate"] = result["on_time"] / result["total"] if result["total"] else None
    return result


def case_supervision(case: Any) -> dict[str, Any]:
    """Everything the bureau sees about supervision on a case: its handoffs with history and feedback, the
    registration notice, and what supervisors reported on the same applicant's other cases (credit and
    punishment first). Four queries."""
    handoffs = list(
        Handoff.objects.filter(case=case).select_related("department", "claimed_by")
        .prefetch_related(Prefetch("feedback", queryset=HandoffFeedback.objects.select_related("department")),
                          Prefetch("events", queryset=HandoffEvent.objects.order_by("at", "id")))
        .order_by("created_at", "id")
    )
    earlier = list(
        HandoffFeedback.objects.filter(handoff__case__applicant_id=case.applicant_id)
        .exclude(handoff__case_id=case.pk)
        .select_related("handoff__case", "handoff__case__item", "department")
        .order_by("-at")[:20]
    )
    weight = {FeedbackKind.PUNISHMENT: 0, FeedbackKind.CREDIT: 1}
    earlier.sort(key=lambda f: weight.get(FeedbackKind(f.kind), 2))
    notice = RegistrationNotice.objects.filter(case=case).first()
    return {"handoffs": handoffs, "earlier": earlier, "notice": notice}

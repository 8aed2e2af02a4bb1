from __future__ import annotations

from typing import Any

from django import template

from onewindow.core import clock

register = template.Library()


@register.simple_tag
def case_supervision(case: Any) -> dict[str, Any]:
    """`{% case_supervision case as sup %}`: the case's handoffs, feedback and the applicant's earlier feedback."""
    from onewindow.supervision.selectors import case_supervision as select

    return select(case) | {"today": clock.today()}


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"

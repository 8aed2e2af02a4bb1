"""`{% load ratings_tags %}{% case_rating_box case %}`: the 好差评 box for the case tracking page."""

from __future__ import annotations

from typing import Any

from django import template

from onewindow.ratings.choices import Stage
from onewindow.ratings.models import Rating
from onewindow.ratings.services import case_stages_open

register = template.Library()


@register.inclusion_tag("ratings/_case_rating_box.html")
def case_rating_box(case: Any) -> dict[str, Any]:
    """Which stages of the case can be rated, which are rated, and the link to the rating page."""
    if case is None:
        return {"show": False}
    open_stages = case_stages_open(case)
    given = {r.stage: r for r in Rating.objects.filter(case=case)}
    rows = [{"label": Stage(s).label, "rating": given.get(s)} for s in open_stages]
    return {"show": bool(rows), "case": case, "rows": rows, "pending": any(r["rating"] is None for r in rows)}


@register.filter
def stars(level: Any) -> str:
    """★★★★★ for a national level (1 非常满意 = 5 stars)."""
    try:
        n = 6 - int(level)
    except (TypeError, ValueError):
        return ""
    return "★" * n + "☆" * (5 - n)

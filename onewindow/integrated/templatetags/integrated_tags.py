"""Template tags of integrated services. `{% my_bundles %}` lists the signed-in applicant's bundles (一件事) on
their "my cases" page, so that page needs no change beyond one include line."""

from __future__ import annotations

from typing import Any

from django import template

from ..models import IntegratedCase

register = template.Library()
SHOWN = 10


@register.inclusion_tag("integrated/public/_my_bundles.html", takes_context=True)
def my_bundles(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    if not user.is_authenticated:
        return {"bundles": []}
    rows = list(IntegratedCase.objects.filter(applicant__user=user).with_children()[:SHOWN + 1])
    return {"bundles": rows[:SHOWN], "more": len(rows) > SHOWN}

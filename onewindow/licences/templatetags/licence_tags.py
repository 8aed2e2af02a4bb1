"""`{% case_licence_panel case as lic %}`: what the staff case page shows about licences and shared data."""

from __future__ import annotations

from typing import Any

from django import template

from onewindow.licences.selectors import case_panel

register = template.Library()


@register.simple_tag
def case_licence_panel(case: Any) -> Any:
    return case_panel(case)

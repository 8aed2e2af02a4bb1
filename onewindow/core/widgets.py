"""Form widgets that render without a template per option.

Django renders every <option> of a select through its own template include; a filter bar whose item list
holds a county's hundreds of items then costs more than the page's data (bench/caselist.py). FastSelect
produces the same markup in Python, escaped with format_html.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


class FastSelect(forms.Select):
    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = widget["optgroups"]
        if any(group_name for group_name, _options, _index in groups):
            return super().render(name, value, attrs, renderer)  # option groups: the template handles them
        options = format_html_join(
            "\n", '<option value="{}"{}>{}</option>',
            ((o["value"], " selected" if o["selected"] else "", o["label"])
             for _group, group_options, _index in groups for o in group_options),
        )
        return format_html('<select name="{}"{}>\n{}\n</select>', widget["name"], flatatt(widget["attrs"]), options)

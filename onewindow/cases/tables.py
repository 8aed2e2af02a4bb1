"""The rows of the staff case table, rendered in Python.

The table is the most-read staff screen (every clerk's landing list, 50 rows a page). As a template it was
about 600 variable lookups, filters and translations per page; bench/caselist.py measured them at a third of
the whole response under load. The markup here is the same the template produced, built with format_html so
every value is still escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from .choices import Status


def _row(row: dict[str, Any], detail_prefix: str, labels: dict[str, str]) -> SafeString:
    case = row["case"]
    due = row["due"]
    pending = format_html(' <span class="tag warn">{}</span>', labels["pending"]) if case.has_pending_materials else ""
    due_date: str
    if case.due_date:
        provisional = format_html(' <span class="tag warn" title="{}">{}</span>', labels["provisional_title"],
                                  labels["provisional"]) if case.due_provisional else ""
        due_date = format_html("{}{}", case.due_date.strftime("%Y-%m-%d"), provisional)
    else:
        due_date = "—"
    handled_by = case.section.name if case.section_id else case.department.name
    return format_html(
        '<tr class="row-{state}">\n  <td><a href="{href}">{number}</a></td>\n  <td>{item}</td>\n  <td>{name}</td>\n'
        '  <td>{status}{pending}</td>\n  <td><span class="due due-{state}">{mark}{label}</span></td>\n'
        '  <td>{due_date}</td>\n  <td>{received} <span class="meta">{centre}</span></td>\n  <td>{handled_by}</td>\n'
        "</tr>\n",
        state=due["state"], href=f"{detail_prefix}{case.number}/", number=case.number, item=case.item.name,
        name=row["name"], status=labels.get(f"status:{case.status}", case.status), pending=pending, mark=due.get("mark", ""),
        label=due["label"], due_date=due_date, received=date_format(localtime(case.received_at), "m-d H:i"),
        centre=case.centre.name, handled_by=handled_by,
    )


def case_rows(rows: Iterable[dict[str, Any]]) -> SafeString:
    """`<tr>`s for rows of {"case", "name", "due"} as the staff list views build them."""
    # The detail URL differs only by the case number: reverse once, not once per row.
    marker = "0" * 21
    detail_prefix = reverse("cases:case_detail", args=[marker])[: -len(marker) - 1]
    labels = {"pending": _("容缺"), "provisional_title": _("按临时日历计算"), "provisional": _("临时")}
    # Translated once per page: Model.get_status_display() rebuilds a dict of the lazy labels on every call,
    # hashing (so translating) each of them — 600 translations for a page of 50 rows.
    labels |= {f"status:{value}": str(label) for value, label in Status.choices}
    return mark_safe("".join(_row(row, detail_prefix, labels) for row in rows))  # noqa: S308 - each row is format_html


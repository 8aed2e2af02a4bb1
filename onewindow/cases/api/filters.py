"""One FilterSet for case lists: the API list, the export and (when they want it) the staff list pages."""

from __future__ import annotations

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ..choices import Channel, DueState, Status
from ..models import Case, CaseQuerySet


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class CaseFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Status.choices, help_text="可重复：?status=accepted&status=in_review")
    item = IdFilter(field_name="item_id", help_text="事项 id")
    centre = filters.CharFilter(field_name="centre__code", help_text="收件中心编码")
    section = IdFilter(field_name="section_id", help_text="办理科室 id")
    channel = filters.ChoiceFilter(choices=Channel.choices)
    due_state = filters.ChoiceFilter(
        choices=[(v, label) for v, label in DueState.choices if v != DueState.NONE], method="filter_due_state",
        help_text="normal 正常 · warning 临近到期 · overdue 已超期 · paused 暂停计时 · done 已办结",
    )
    received_after = filters.DateFilter(field_name="received_at", lookup_expr="date__gte", help_text="收件日期起（含）")
    received_before = filters.DateFilter(field_name="received_at", lookup_expr="date__lte", help_text="收件日期止（含）")

    class Meta:
        model = Case
        fields = ["status", "item", "centre", "section", "channel", "due_state", "received_after", "received_before"]

    def filter_due_state(self, queryset: CaseQuerySet, name: str, value: str) -> CaseQuerySet:
        return queryset.with_due_state(value)

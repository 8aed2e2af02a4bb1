"""Admin for data sources (with their recent calls) and the call log (read-only, append-only)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _  # lazy: labels and fieldsets are built at import time

from .models import DataCall, DataSource, allowed_adapters


class DataCallInline(admin.TabularInline):
    model = DataCall
    extra = 0
    fields = ("at", "actor_name", "case", "purpose", "subject_masked", "outcome", "from_cache", "duration_ms", "message")
    readonly_fields = fields
    can_delete = False
    ordering = ["-at"]
    max_num = 0
    verbose_name_plural = _("最近的调用")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("case")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class DataSourceForm(forms.ModelForm):
    adapter = forms.ChoiceField(label=_("适配器"))

    class Meta:
        model = DataSource
        fields = "__all__"

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["adapter"].choices = [(k, str(v)) for k, v in allowed_adapters().items()]


@admin.register(DataSource)
class DataSourceAdmin(admin.ModelAdmin):
    form = DataSourceForm
    list_display = ("code", "name_display", "kind", "owner", "adapter", "is_active")
    list_filter = ("kind", "is_active", "is_sandbox")
    search_fields = ("code", "name")
    inlines = [DataCallInline]

    @admin.display(description=_("名称"))
    def name_display(self, obj: DataSource) -> str:
        return str(obj)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from django.db import transaction

        from onewindow.audit.services import record_event

        with transaction.atomic():
            obj.save()
            record_event(actor=request.user, action="datasource_changed" if change else "datasource_created", obj=obj,
                         summary=obj.code)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(DataCall)
class DataCallAdmin(admin.ModelAdmin):
    list_display = ("at", "source", "actor_name", "case", "purpose", "subject_masked", "outcome", "from_cache",
                    "duration_ms")
    list_filter = ("outcome", "source", "from_cache")
    search_fields = ("case__number", "purpose")
    list_select_related = ("source", "case")
    date_hierarchy = "at"

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

from django.contrib import admin

from . import services
from .models import (
    Handoff,
    HandoffEvent,
    HandoffFeedback,
    PermitRule,
    RegistrationItem,
    RegistrationNotice,
    SupervisionAssignment,
)


class ConfigAdmin(admin.ModelAdmin):
    """Configuration saves and deletes go through the services (validation + audit row)."""

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        services.save_config(actor=request.user, obj=obj)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        services.delete_config(actor=request.user, obj=obj)

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        for obj in queryset:
            services.delete_config(actor=request.user, obj=obj)


@admin.register(SupervisionAssignment)
class SupervisionAssignmentAdmin(ConfigAdmin):
    list_display = ("item", "department", "note")
    list_filter = ("department",)
    search_fields = ("item__name", "item__implementation_code", "department__name")
    autocomplete_fields = ("item",)
    list_select_related = ("item", "department")


@admin.register(RegistrationItem)
class RegistrationItemAdmin(ConfigAdmin):
    list_display = ("item", "note")
    autocomplete_fields = ("item",)
    list_select_related = ("item",)


@admin.register(PermitRule)
class PermitRuleAdmin(ConfigAdmin):
    list_display = ("category", "keywords", "permit_title", "is_active", "order")
    list_filter = ("is_active", "departments")
    search_fields = ("category", "keywords", "permit_name", "permit_item__name")
    autocomplete_fields = ("permit_item",)
    filter_horizontal = ("departments",)
    list_editable = ("order",)


class FeedbackInline(admin.TabularInline):
    model = HandoffFeedback
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "text", "visit_date", "follow_up", "at", "actor_name", "department")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class EventInline(admin.TabularInline):
    model = HandoffEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "action", "actor_name", "note")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    """Read-only: handoffs change only through the inbox, the API and the escalation sweep."""

    list_display = ("case", "kind", "department", "status", "claim_due", "escalation", "created_at", "claimed_at")
    list_filter = ("status", "kind", "escalation", "department")
    search_fields = ("case__number", "summary")
    list_select_related = ("case", "department")
    inlines = [FeedbackInline, EventInline]
    readonly_fields = [f.name for f in Handoff._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(RegistrationNotice)
class RegistrationNoticeAdmin(admin.ModelAdmin):
    list_display = ("case", "issued_at", "promise_signed_at", "promise_signer", "pushed_at")
    search_fields = ("case__number",)
    readonly_fields = [f.name for f in RegistrationNotice._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

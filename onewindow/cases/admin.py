from django.contrib import admin

from .models import Case, CaseEvent


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ("at", "action", "from_status", "to_status", "actor_name", "opinion")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only in the admin: cases change only through the lifecycle services (staff screens, API)."""

    list_display = ("number", "item", "status", "centre", "section", "received_at", "due_date", "visits")
    list_filter = ("status", "channel", "centre__level")
    search_fields = ("number",)
    inlines = [CaseEventInline]
    list_select_related = ("item", "centre", "section")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

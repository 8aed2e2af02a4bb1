from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from onewindow.core.masking import mask_phone

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
    # Personal numbers are shown masked here too; the full view is the staff page's audited "显示完整信息".
    exclude = ("contact_phone", "agent_cert_number", "agent_phone", "applicant")
    readonly_fields = ("masked_applicant", "masked_contact_phone")
    inlines = [CaseEventInline]
    list_select_related = ("item", "centre", "section")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user)

    @admin.display(description=_("申请人"))
    def masked_applicant(self, obj: Case) -> str:
        return f"{obj.applicant.masked_name} {obj.applicant.masked_cert}"

    @admin.display(description=_("联系电话"))
    def masked_contact_phone(self, obj: Case) -> str:
        return mask_phone(obj.contact_phone)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

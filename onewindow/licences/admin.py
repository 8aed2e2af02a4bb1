"""Admin for licence types (templates), issuing authorities with their seal keys (rotate action), licences (read-only
with verification), authorisations and uses (read-only). Saves and actions call the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _  # lazy: labels and fieldsets are built at import time

from onewindow.core.errors import DomainError

from . import services
from .models import IssuingAuthority, Licence, LicenceAuthorisation, LicenceType, LicenceUse, SealKey
from .seal import seal_svg


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "type_code_display", "validity_years", "is_active")
    list_filter = ("is_active", "holder_kind")
    search_fields = ("code", "name")
    fieldsets = (
        (None, {"fields": ("code", "name", "owner_credit_code", "type_number", "holder_kind", "validity_years", "is_active")}),
        (_("模板"), {"fields": ("face_fields", "layout")}),
        (_("证照库"), {"fields": ("satisfies_material_kinds",)}),
    )

    @admin.display(description=_("证照类型代码"))
    def type_code_display(self, obj: LicenceType) -> str:
        return obj.type_code

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        services.save_licence_type(actor=request.user, licence_type=obj)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class SealKeyInline(admin.TabularInline):
    model = SealKey
    extra = 0
    fields = ("fingerprint", "status", "signer", "external_ref", "created_at", "retired_at", "public_key")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(IssuingAuthority)
class IssuingAuthorityAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "region_code", "active_key_display")
    search_fields = ("name", "credit_code")
    fields = ("department", "name", "credit_code", "region_code", "seal_text", "seal_subtitle", "seal_preview")
    readonly_fields = ("seal_preview",)
    inlines = [SealKeyInline]
    actions = ["rotate_keys", "mark_compromised_and_rotate"]

    @admin.display(description=_("在用密钥"))
    def active_key_display(self, obj: IssuingAuthority) -> str:
        key = obj.active_key
        return key.fingerprint if key else "—"

    @admin.display(description=_("印章预览"))
    def seal_preview(self, obj: IssuingAuthority) -> str:
        if not obj.pk:
            return "—"
        return mark_safe(seal_svg(obj.seal_text or obj.name, obj.seal_subtitle))  # noqa: S308 - built from escaped text

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        services.save_authority(actor=request.user, authority=obj)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def _rotate(self, request, queryset, compromised: bool) -> None:  # type: ignore[no-untyped-def]
        for authority in queryset:
            try:
                key = services.rotate_seal_key(actor=request.user, authority=authority, compromised=compromised)
            except DomainError as exc:
                messages.error(request, f"{authority.name}: {exc.message}")
            else:
                messages.success(request, _("%(a)s 已启用新密钥 %(k)s；旧密钥保留用于验证。") % {"a": authority.name,
                                                                                       "k": key.fingerprint})

    @admin.action(description=_("轮换签章密钥（旧密钥仅用于验证）"))
    def rotate_keys(self, request, queryset):  # type: ignore[no-untyped-def]
        self._rotate(request, queryset, compromised=False)

    @admin.action(description=_("宣布在用密钥泄露并轮换"))
    def mark_compromised_and_rotate(self, request, queryset):  # type: ignore[no-untyped-def]
        self._rotate(request, queryset, compromised=True)


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdmin):
    list_display = ("identifier", "name", "holder_display", "status", "issued_on", "valid_to", "verify_link")
    list_filter = ("status", "licence_type", "authority")
    search_fields = ("identifier", "serial")
    list_select_related = ("licence_type", "authority")
    readonly_fields = ("identifier", "name", "type_code", "serial", "version", "issuer_name", "issuer_code",
                       "issued_on", "holder_display", "valid_from", "valid_to", "face_data", "status", "status_reason",
                       "previous", "case", "seal_key", "digest", "signed_at", "verify_link")
    fields = readonly_fields
    actions = ["cancel_selected"]

    @admin.display(description=_("持证主体"))
    def holder_display(self, obj: Licence) -> str:
        return f"{obj.masked_holder_name} {obj.masked_holder_code}"

    @admin.display(description=_("核验"))
    def verify_link(self, obj: Licence) -> str:
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>',
                           reverse("licences:verify", args=[obj.verify_code]), _("核验"))

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def get_actions(self, request):  # type: ignore[no-untyped-def]
        actions = super().get_actions(request)
        if not request.user.has_perm("licences.change_licence"):
            actions.pop("cancel_selected", None)
        return actions

    @admin.action(description=_("注销所选证照"))
    def cancel_selected(self, request, queryset):  # type: ignore[no-untyped-def]
        for licence in queryset:
            try:
                services.cancel_licence(actor=request.user, licence=licence, reason=str(_("管理员在后台注销")))
            except (DomainError, ValidationError) as exc:
                messages.error(request, f"{licence.identifier}: {getattr(exc, 'message', exc)}")


@admin.register(LicenceAuthorisation)
class LicenceAuthorisationAdmin(ReadOnlyAdmin):
    list_display = ("licence", "unit", "matter", "basis", "granted_at", "valid_until", "withdrawn_at")
    list_filter = ("basis",)
    list_select_related = ("licence", "unit")


@admin.register(LicenceUse)
class LicenceUseAdmin(ReadOnlyAdmin):
    list_display = ("at", "licence", "unit_name", "purpose", "basis", "case")
    list_filter = ("basis",)
    list_select_related = ("licence", "case")

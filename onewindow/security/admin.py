from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Lockout, LoginFailure


@admin.register(Lockout)
class LockoutAdmin(admin.ModelAdmin):
    list_display = ("kind", "key", "locked_at", "until", "released_at", "released_by")
    list_filter = ("kind",)
    search_fields = ("key",)
    actions = ["release"]
    readonly_fields = ("kind", "key", "locked_at", "until", "released_at", "released_by")

    @admin.action(description=_("解除所选锁定"))
    def release(self, request, queryset):  # type: ignore[no-untyped-def]
        for lock in queryset:
            services.unlock(actor=request.user, lock=lock)
        messages.success(request, _("已解除 %(n)s 个锁定。") % {"n": queryset.count()})

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "ip", "stage")
    search_fields = ("username", "ip")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

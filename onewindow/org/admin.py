from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from . import services
from .models import Department, Section, ServiceCentre, StaffRole, Window


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "credit_code", "region_code", "order")
    search_fields = ("name", "credit_code")
    inlines = [SectionInline]

    def save_model(self, request: HttpRequest, obj: Department, form: Any, change: bool) -> None:
        services.save_department(actor=request.user, department=obj)


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0
    filter_horizontal = ("items",)


@admin.register(ServiceCentre)
class ServiceCentreAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "region_code", "parent", "weekend_service", "accepts_county_wide", "is_active")
    list_filter = ("level", "weekend_service", "is_active")
    search_fields = ("name", "code", "region_code")
    autocomplete_fields = ("parent",)
    filter_horizontal = ("accepted_items",)
    inlines = [WindowInline]

    def save_model(self, request: HttpRequest, obj: ServiceCentre, form: Any, change: bool) -> None:
        services.save_centre(actor=request.user, centre=obj)


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "is_active")
    list_filter = ("kind", "centre__level")
    filter_horizontal = ("items",)


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    """Who may do what: every role assignment with its scope (an administrator's overview)."""

    list_display = ("user", "role", "centre", "department", "section")
    list_filter = ("role", "centre__level", "department")
    search_fields = ("user__username", "user__first_name")
    autocomplete_fields = ("user",)

    def save_model(self, request: HttpRequest, obj: StaffRole, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            services.assign_role(actor=request.user, user=obj.user, role=obj.role, centre=obj.centre,
                                 department=obj.department, section=obj.section)

    def delete_model(self, request: HttpRequest, obj: StaffRole) -> None:
        services.revoke_role(actor=request.user, staff_role=obj)

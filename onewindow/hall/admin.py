"""Hall set-up for administrators: categories and their items, windows' categories, slots, key enterprises.
Tickets and appointments are read-only here: they change only through the services (kiosk, console)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from onewindow.core.validators import validate_credit_code

from . import services
from .models import (
    Appointment,
    AppointmentSlot,
    HallConfig,
    HallWindow,
    KeyEnterprise,
    QueueCategory,
    QueueDay,
    Ticket,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(QueueCategory)
class QueueCategoryAdmin(admin.ModelAdmin):
    list_display = ["centre", "prefix", "name", "order", "slot_capacity", "is_active"]
    list_filter = ["centre", "is_active"]
    filter_horizontal = ["items"]
    search_fields = ["name", "prefix"]

    def save_model(self, request: Any, obj: QueueCategory, form: Any, change: bool) -> None:
        services.save_category(actor=request.user, category=obj)


@admin.register(HallConfig)
class HallConfigAdmin(admin.ModelAdmin):
    list_display = ["centre", "slot_times", "weekend_hours", "extended_hours"]


@admin.register(HallWindow)
class HallWindowAdmin(admin.ModelAdmin):
    list_display = ["window", "holder", "held_since", "current_ticket"]
    list_filter = ["window__centre"]
    filter_horizontal = ["categories"]
    fields = ["window", "categories"]
    readonly_fields = ["window"]

    def has_add_permission(self, request: Any) -> bool:
        return False  # made with the window on first use


class AppointmentSlotForm(forms.ModelForm):
    class Meta:
        model = AppointmentSlot
        fields = ["centre", "category", "day", "start", "end", "capacity"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        capacity = data.get("capacity")
        if capacity is not None and capacity < self.instance.booked:
            raise ValidationError({"capacity": _("已有 %(n)d 人预约，容量不能小于已约人数。") % {"n": self.instance.booked}})
        return data


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(admin.ModelAdmin):
    form = AppointmentSlotForm
    list_display = ["category", "day", "start", "end", "capacity", "booked"]
    list_filter = ["centre", "category", "day"]
    readonly_fields = ["booked"]
    date_hierarchy = "day"


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ["code", "centre", "day", "slot", "item", "masked_name", "status", "source"]
    list_filter = ["centre", "status", "source", "day"]
    search_fields = ["code"]
    exclude = ["id_key", "phone_key", "phone", "name"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["code", "centre", "day", "category", "status", "priority", "window", "wait_seconds", "service_seconds"]
    list_filter = ["centre", "day", "status", "priority"]
    search_fields = ["code"]
    exclude = ["id_key", "phone_key", "token"]


@admin.register(QueueDay)
class QueueDayAdmin(ReadOnlyAdmin):
    list_display = ["centre", "day", "closed_at"]
    list_filter = ["centre"]


class KeyEnterpriseForm(forms.ModelForm):
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False,
                                  help_text=_("只保存其加密索引和脱敏显示；修改名称时可留空。"))

    class Meta:
        model = KeyEnterprise
        fields = ["name", "is_active"]

    def clean_credit_code(self) -> str:
        value = self.cleaned_data["credit_code"].strip().upper()
        if value:
            validate_credit_code(value)
        elif self.instance.pk is None:
            raise ValidationError(_("请填写统一社会信用代码。"))
        return value


@admin.register(KeyEnterprise)
class KeyEnterpriseAdmin(admin.ModelAdmin):
    form = KeyEnterpriseForm
    list_display = ["name", "masked_code", "is_active"]

    def save_model(self, request: Any, obj: KeyEnterprise, form: Any, change: bool) -> None:
        code = form.cleaned_data.get("credit_code")
        if code:
            saved = services.add_key_enterprise(actor=request.user, name=obj.name, credit_code=code)
            obj.pk = saved.pk
            if not obj.is_active:
                KeyEnterprise.objects.filter(pk=saved.pk).update(is_active=False)
        else:
            super().save_model(request, obj, form, change)

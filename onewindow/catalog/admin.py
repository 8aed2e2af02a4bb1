from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _  # lazy: labels and fieldsets are built at import time

from . import choices, services, spreadsheet
from .models import GuideVersion, Material, ServiceItem, Topic


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = ("order", "name", "kind", "necessity", "form", "originals", "copies", "source", "issuer",
              "acceptance_standard", "blank_form", "sample")


class GuideVersionInline(admin.TabularInline):
    model = GuideVersion
    extra = 0
    fields = ("number", "status", "published_at", "published_by", "change_note", "link")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    @admin.display(description=_("查看"))
    def link(self, obj: GuideVersion) -> str:
        url = reverse("portal:guide_version", args=[obj.item.implementation_code, obj.number])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("查看该版本"))


class MultipleChoiceJSONField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class ServiceItemForm(forms.ModelForm):
    target_groups = MultipleChoiceJSONField(label=_("服务对象"), choices=choices.TargetGroup.choices)
    handling_forms = MultipleChoiceJSONField(label=_("办理形式"), choices=choices.HandlingForm.choices)
    change_note = forms.CharField(label=_("修订说明（发布时记录）"), required=False, max_length=300)

    class Meta:
        model = ServiceItem
        fields = "__all__"


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    form = ServiceItemForm
    change_form_template = "admin/catalog/serviceitem/change_form.html"
    change_list_template = "admin/catalog/serviceitem/change_list.html"
    list_display = ("name", "department", "item_type", "case_kind", "promised_days", "statutory_days",
                    "county_wide", "weekend_service", "published_version", "is_active")
    list_filter = ("department", "item_type", "case_kind", "county_wide", "weekend_service", "is_active")
    search_fields = ("name", "basic_code", "implementation_code", "search_initials", "keywords")
    filter_horizontal = ("topics",)
    inlines = [MaterialInline, GuideVersionInline]
    list_select_related = ("department",)
    fieldsets = (
        (_("基本信息"), {"fields": ("name", "short_name", "basic_code", "implementation_code", "item_type",
                                 "exercise_level", "department", "section", "target_groups", "topics", "keywords",
                                 "is_active")}),
        (_("时限与审批"), {"fields": ("case_kind", "statutory_days", "statutory_note", "promised_days", "promised_note",
                                  "correction_clock", "review_mode", "special_procedures")}),
        (_("收费、渠道与跑动"), {"fields": ("fee_required", "fee_description", "fee_basis", "handling_forms",
                                    "max_visits", "supports_appointment", "supports_online_payment",
                                    "supports_express", "weekend_service", "county_wide")}),
        (_("指南内容"), {"fields": ("legal_basis", "conditions", "process", "place", "hours", "consult_phone",
                                "supervise_phone", "faq")}),
        (_("办理结果"), {"fields": ("result_name", "result_licence_type")}),
        (_("发布"), {"fields": ("change_note",)}),
    )
    actions = ["publish_selected", "export_selected"]

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="catalog_serviceitem_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="catalog_serviceitem_export"),
        ] + super().get_urls()

    def save_model(self, request: HttpRequest, obj: ServiceItem, form: Any, change: bool) -> None:
        services.save_item(actor=request.user, item=obj)

    def response_add(self, request: HttpRequest, obj: ServiceItem, post_url_continue: Any = None) -> HttpResponse:
        self._maybe_publish(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: ServiceItem) -> HttpResponse:
        self._maybe_publish(request, obj)
        return super().response_change(request, obj)

    def _maybe_publish(self, request: HttpRequest, obj: ServiceItem) -> None:
        # Runs after inlines are saved, so the snapshot includes the edited materials.
        if "_publish" in request.POST:
            guide = services.publish_guide(actor=request.user, item=obj, change_note=request.POST.get("change_note", ""))
            messages.success(request, _("已发布办事指南第 %(n)d 版，旧版本仍可查阅。") % {"n": guide.number})

    @admin.action(description=_("发布所选事项的办事指南"))
    def publish_selected(self, request: HttpRequest, queryset: Any) -> None:
        count = 0
        for item in queryset:
            try:
                services.publish_guide(actor=request.user, item=item)
                count += 1
            except ValidationError as exc:
                messages.error(request, f"{item.name}: {'；'.join(exc.messages)}")
        messages.success(request, _("已发布 %(n)d 个事项。") % {"n": count})

    @admin.action(description=_("导出所选事项为 Excel"))
    def export_selected(self, request: HttpRequest, queryset: Any) -> HttpResponse:
        return _xlsx_response(spreadsheet.export_workbook(queryset))

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        return _xlsx_response(spreadsheet.export_workbook(ServiceItem.objects.all()))

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            return HttpResponseRedirect(reverse("admin:index"))
        context: dict[str, Any] = {**self.admin_site.each_context(request), "opts": self.model._meta,
                                   "title": _("从 Excel 导入事项和材料"),
                                   "max_mb": settings.MAX_UPLOAD_BYTES // 1048576}
        if request.method == "POST":
            upload = request.FILES.get("file")
            if upload is None:
                context["errors"] = [_("请选择要导入的 .xlsx 文件。")]
            elif upload.size and upload.size > settings.MAX_UPLOAD_BYTES:
                context["errors"] = [_("文件过大（上限 %(mb)d MB），未导入任何数据。") % {"mb": context["max_mb"]}]
            elif not upload.name.lower().endswith(".xlsx"):
                context["errors"] = [_("只接受 .xlsx 文件。")]
            else:
                try:
                    result = spreadsheet.import_workbook(actor=request.user, content=upload.read(),
                                                         publish="publish" in request.POST)
                except ValidationError as exc:
                    context["errors"] = exc.messages
                else:
                    messages.success(request, _("导入成功：新增 %(c)d 项，更新 %(u)d 项，材料 %(m)d 条，发布 %(p)d 项。") % {
                        "c": result.created, "u": result.updated, "m": result.materials, "p": result.published})
                    return HttpResponseRedirect(reverse("admin:catalog_serviceitem_changelist"))
        return TemplateResponse(request, "admin/catalog/serviceitem/import.html", context)


def _xlsx_response(content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="catalog-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@admin.register(GuideVersion)
class GuideVersionAdmin(admin.ModelAdmin):
    list_display = ("item", "number", "status", "published_at", "published_by", "change_note")
    list_filter = ("status",)
    search_fields = ("item__name",)
    readonly_fields = ("item", "number", "status", "snapshot", "change_note", "published_at", "published_by")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "audience", "order")
    list_filter = ("audience",)

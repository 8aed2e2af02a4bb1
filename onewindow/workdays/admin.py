from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from . import services
from .models import CalendarDay, CalendarYear


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "note", "updated_at")
    change_list_template = "admin/workdays/calendaryear/change_list.html"

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="workdays_calendaryear_import"),
        ] + super().get_urls()

    def import_view(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": _("导入年度放假安排")}
        if request.method == "POST":
            upload = request.FILES.get("file")
            try:
                year = int(request.POST.get("year", ""))
            except ValueError:
                year = 0
            if upload is None:
                context["errors"] = [_("请选择文件。")]
            elif upload.size and upload.size > 1024 * 1024:
                context["errors"] = [_("文件过大（上限 1 MB）。")]
            else:
                try:
                    services.import_year(actor=request.user, year=year, content=upload.read(), note=request.POST.get("note", ""))
                except ValidationError as exc:
                    context["errors"] = exc.messages
                else:
                    messages.success(request, _("%(y)d 年放假安排已导入。") % {"y": year})
                    return HttpResponseRedirect(reverse("admin:workdays_calendaryear_changelist"))
        return TemplateResponse(request, "admin/workdays/calendaryear/import.html", context)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name", "centre")
    list_filter = ("kind", "centre")
    date_hierarchy = "date"
    search_fields = ("name",)

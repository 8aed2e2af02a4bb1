"""Admin: edit an integrated service with inlines, preview plans, see the verification report, publish."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _  # lazy: labels and fieldsets are built at import time

from . import services
from .choices import QuestionKind
from .definition import DefinitionError
from .engine import AnswerError, CompiledService
from .models import (
    IntegratedService,
    IntegratedServiceVersion,
    Rule,
    ServiceStep,
    SituationOption,
    SituationQuestion,
)
from .verify import verify_snapshot


def _service_id(request: HttpRequest) -> str | None:
    match = request.resolver_match
    return match.kwargs.get("object_id") if match else None


class QuestionInline(admin.TabularInline):
    model = SituationQuestion
    extra = 0
    fields = ("order", "code", "text", "kind", "required", "show_on_notice", "revealed_by", "help_text")
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "revealed_by":
            kwargs["queryset"] = SituationOption.objects.filter(service_id=_service_id(request)).select_related("question")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OptionInline(admin.TabularInline):
    """Options of every question, edited on the service page (a new question's options after saving it once)."""

    model = SituationOption
    fk_name = "service"
    extra = 0
    fields = ("question", "order", "code", "text", "blocks", "block_message")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "question":
            kwargs["queryset"] = SituationQuestion.objects.filter(service_id=_service_id(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ("order", "code", "description", "condition", "effects", "is_active")
        widgets = {"condition": forms.Textarea(attrs={"rows": 2, "cols": 60}),
                   "effects": forms.Textarea(attrs={"rows": 4, "cols": 80})}


class RuleInline(admin.StackedInline):
    model = Rule
    form = RuleForm
    extra = 0


class StepInline(admin.TabularInline):
    model = ServiceStep
    extra = 0
    fields = ("order", "item", "base", "days", "depends_on", "inspection", "produces")
    autocomplete_fields = ("item",)

    def formfield_for_manytomany(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "depends_on":
            kwargs["queryset"] = ServiceStep.objects.filter(service_id=_service_id(request)).select_related("item")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class VersionInline(admin.TabularInline):
    model = IntegratedServiceVersion
    extra = 0
    fields = ("number", "status", "published_at", "published_by", "change_note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class IntegratedServiceForm(forms.ModelForm):
    change_note = forms.CharField(label=_("修订说明（发布时记录）"), required=False, max_length=300)

    class Meta:
        model = IntegratedService
        fields = "__all__"
        widgets = {"form_fields": forms.Textarea(attrs={"rows": 6, "cols": 90}),
                   "merged_form_kinds": forms.Textarea(attrs={"rows": 1, "cols": 60})}


@admin.register(IntegratedService)
class IntegratedServiceAdmin(admin.ModelAdmin):
    form = IntegratedServiceForm
    change_form_template = "admin/integrated/integratedservice/change_form.html"
    list_display = ("name", "code", "audience", "published_version", "is_active", "order")
    list_filter = ("audience", "is_active")
    search_fields = ("name", "code")
    inlines = [QuestionInline, OptionInline, RuleInline, StepInline, VersionInline]
    fieldsets = (
        (None, {"fields": ("code", "name", "description", "audience", "order", "is_active")}),
        (_("一表申请"), {"fields": ("form_fields", "merged_form_kinds")}),
        (_("发布"), {"fields": ("change_note",)}),
    )

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path("<path:object_id>/preview/", self.admin_site.admin_view(self.preview_view),
                 name="integrated_integratedservice_preview"),
        ] + super().get_urls()

    def save_model(self, request: HttpRequest, obj: IntegratedService, form: Any, change: bool) -> None:
        services.save_service(actor=request.user, service=obj)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = dict(extra_context or {})
        service = IntegratedService.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if service is not None and request.method == "GET":
            # The report of the working copy, shown before anyone presses "publish".
            extra_context["report"] = services.verify_service(service)
        return super().change_view(request, object_id, form_url, extra_context)

    def response_add(self, request: HttpRequest, obj: IntegratedService, post_url_continue: Any = None) -> HttpResponse:
        if "_publish" in request.POST:
            return self._publish(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: IntegratedService) -> HttpResponse:
        if "_publish" in request.POST:
            return self._publish(request, obj)
        return super().response_change(request, obj)

    def _publish(self, request: HttpRequest, obj: IntegratedService) -> HttpResponse:
        # Runs after the inlines are saved, so the working copy is complete.
        try:
            version = services.publish_service(actor=request.user, service=obj,
                                               change_note=request.POST.get("change_note", ""))
        except services.PublishRefused as exc:
            messages.error(request, _("已保存草稿，但校验发现 %(n)d 个错误，未发布新版本：") % {"n": len(exc.report.errors)})
            for finding in exc.report.errors[:30]:
                messages.error(request, finding.message)
        else:
            messages.success(request, _("已发布第 %(n)d 版，旧版本仍可查阅。") % {"n": version.number})
        return HttpResponseRedirect(reverse("admin:integrated_integratedservice_change", args=[obj.pk]))

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Pick answers, see the plan of the working copy with its explanations and the verification report."""
        if not self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        service = get_object_or_404(IntegratedService, pk=object_id)
        snapshot, problems = services.build_snapshot(service)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": service,
            "title": _("预览：%(name)s") % {"name": service.name}, "problems": problems,
            "report": verify_snapshot(snapshot, extra_errors=problems),
        }
        try:
            compiled = CompiledService(snapshot)
        except DefinitionError as exc:
            context["definition_errors"] = exc.problems
            return TemplateResponse(request, "admin/integrated/integratedservice/preview.html", context)
        answers: dict[str, Any] = {}
        for q in compiled.questions:
            values = request.GET.getlist(f"q_{q.code}")
            if values:
                answers[q.code] = values if q.kind == QuestionKind.MULTIPLE else values[0]
        context["questions"] = [
            {"q": q, "multiple": q.kind == QuestionKind.MULTIPLE,
             "parent": compiled.options[q.parent] if q.parent else None,
             "options": [{"o": compiled.options[o], "checked": o in (answers.get(q.code) or [])
                          if q.kind == QuestionKind.MULTIPLE else answers.get(q.code) == o} for o in q.options]}
            for q in compiled.questions
        ]
        if answers or "show" in request.GET:
            try:
                context["plan"] = compiled.plan(answers).to_dict()
            except AnswerError as exc:
                context["answer_errors"] = exc.errors
        return TemplateResponse(request, "admin/integrated/integratedservice/preview.html", context)


@admin.register(SituationQuestion)
class SituationQuestionAdmin(admin.ModelAdmin):
    """Questions with their options inline (the service page edits options of all questions at once)."""

    list_display = ("code", "text", "service", "kind", "required", "revealed_by")
    list_filter = ("service",)
    search_fields = ("code", "text", "service__name")
    list_select_related = ("service", "revealed_by")

    class Options(admin.TabularInline):
        model = SituationOption
        fk_name = "question"
        extra = 1
        fields = ("order", "code", "text", "blocks", "block_message")

    inlines = [Options]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "revealed_by":
            question = SituationQuestion.objects.filter(pk=_service_id(request)).first()
            if question is not None:
                kwargs["queryset"] = SituationOption.objects.filter(service_id=question.service_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        for obj in formset.save(commit=False):
            obj.service_id = form.instance.service_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()


@admin.register(IntegratedServiceVersion)
class IntegratedServiceVersionAdmin(admin.ModelAdmin):
    list_display = ("service", "number", "status", "published_at", "published_by", "change_note")
    list_filter = ("status",)
    search_fields = ("service__name", "service__code")
    readonly_fields = ("service", "number", "status", "snapshot", "report", "change_note", "published_at", "published_by")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

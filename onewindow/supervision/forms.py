from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from onewindow.org.models import Department

from .choices import FeedbackKind


class ServiceErrorsMixin:
    """Put a service's ValidationError on the form's fields (unknown keys become form-level errors)."""

    def add_service_errors(self, exc: ValidationError) -> None:
        form: Any = self
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)

    def error_links(self) -> list[tuple[str, str]]:
        form: Any = self
        links = []
        for name, errors in form.errors.items():
            anchor = form[name].auto_id if name in form.fields else "main"
            links += [(anchor, str(e)) for e in errors]
        return links


class ClaimForm(ServiceErrorsMixin, forms.Form):
    department = forms.ModelChoiceField(Department.objects.none(), label=_("以哪个部门的名义认领"), required=False)

    def __init__(self, *args: Any, departments: set[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(pk__in=departments)


class FeedbackForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("反馈类型"), choices=FeedbackKind.choices)
    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                           help_text=_("检查情况、发现的问题、信用或处罚信息、证照变更等，供审批部门参考。"))
    visit_date = forms.DateField(label=_("检查日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    follow_up = forms.CharField(label=_("后续措施"), required=False, max_length=300)
    close = forms.BooleanField(label=_("监管办结（不再跟进）"), required=False)


class AssignForm(ServiceErrorsMixin, forms.Form):
    department = forms.ModelChoiceField(Department.objects.all(), label=_("指定监管部门"))


class ScopeForm(ServiceErrorsMixin, forms.Form):
    business_scope = forms.CharField(label=_("申报的经营范围"), widget=forms.Textarea(attrs={"rows": 3}),
                                     max_length=2000)


class PromiseForm(ServiceErrorsMixin, forms.Form):
    signer = forms.CharField(label=_("签署人（申请人或法定代表人）"), max_length=100)
    confirm = forms.BooleanField(label=_("申请人已阅读告知书并在承诺书上签字"))

"""Forms of the integrated-service pages.

* Situation answers are not a Django form: the questions, their follow-ups and their options come from the
  published snapshot and change as the applicant answers, so `answers_from` reads them straight from the
  request and the engine checks them (one place decides what is a valid answer).
* `MergedForm` is the ONE merged application form of a plan (GOV.UK rendering through cases' GovForm);
  each value is checked by `bundles.clean_field_value`, the same check `submit_bundle` runs again.
* `WindowForm` is the general window's applicant panel (staff look, StaffForm error summary).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from onewindow.cases.choices import ApplicantKind, CertType
from onewindow.cases.forms import StaffForm
from onewindow.cases.forms_public import UUID_RE, GovForm, _tel
from onewindow.cases.services import ApplicantData

from .bundles import clean_field_value
from .choices import FieldType, QuestionKind
from .engine import CompiledService


def answers_from(data: QueryDict, compiled: CompiledService) -> dict[str, Any]:
    """{question code: option code | [option codes]} for the questions of `compiled` found in `data` (a POST
    body or a query string). Other keys are ignored, so a notice link can carry its answers as plain query
    parameters (?company_type=llc&seals=seal_official&seals=seal_finance)."""
    out: dict[str, Any] = {}
    for q in compiled.questions:
        if q.kind == QuestionKind.MULTIPLE:
            values = [v for v in data.getlist(q.code) if v]
            if values:
                out[q.code] = values
        else:
            value = data.get(q.code, "")
            if value:
                out[q.code] = value
    return out


def _widget(spec: dict[str, Any]) -> forms.Widget:
    kind = spec.get("type", FieldType.TEXT)
    if kind == FieldType.TEXTAREA:
        return forms.Textarea(attrs={"rows": 4})
    if kind == FieldType.NUMBER:
        return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    if kind == FieldType.DATE:
        return forms.TextInput(attrs={"type": "date"})
    if kind == FieldType.PHONE:
        return _tel()
    if kind == FieldType.ID_NUMBER:
        return forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters",
                                      "maxlength": 18})
    return forms.TextInput()


HINTS = {
    FieldType.NUMBER: _("只填数字。"),
    FieldType.DATE: _("例如 2026-01-05。"),
    FieldType.ID_NUMBER: _("18位居民身份证号码，最后一位可以是 X。"),
}


class MergedForm(GovForm):
    """The merged application form (一表申请): every field of the plan once; choice fields that the answers
    decided are not here (they are shown beside the form, with a link to change the answer)."""

    def __init__(self, *args: Any, fields: list[dict[str, Any]], **kwargs: Any) -> None:
        self.specs = {f["name"]: f for f in fields}
        super().__init__(*args, **kwargs)
        for spec in fields:
            self.fields[spec["name"]] = forms.CharField(
                label=spec["label"], required=False, widget=_widget(spec),
                help_text=HINTS.get(spec.get("type", FieldType.TEXT), ""),
            )
        self._describe()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, spec in self.specs.items():
            if name in self.errors:
                continue
            try:
                value = clean_field_value(spec, data.get(name))
            except ValidationError as exc:
                self.add_error(name, exc)
                continue
            if not value and spec["required"]:
                self.add_error(name, _("请填写“%(f)s”。") % {"f": spec["label"]})
            data[name] = value
        return data


class WindowForm(StaffForm):
    """The applicant panel of the general window's integrated intake (entered once for all items)."""

    kind = forms.ChoiceField(label=_("申请人类型"), choices=ApplicantKind.choices, initial=ApplicantKind.PERSON)
    cert_type = forms.ChoiceField(label=_("证件类型"), choices=CertType.choices, initial=CertType.ID_CARD)
    cert_number = forms.CharField(label=_("证件号码"), max_length=40, error_messages={"required": _("请填写证件号码。")})
    name = forms.CharField(label=_("姓名或名称"), max_length=200, error_messages={"required": _("请填写申请人姓名或名称。")})
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=100, required=False)
    agent_name = forms.CharField(label=_("代理人"), max_length=100, required=False)
    agent_cert_number = forms.CharField(label=_("代理人证件号码"), max_length=40, required=False)
    agent_phone = forms.CharField(label=_("代理人电话"), max_length=20, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    summary_anchor = "bundle-form"

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data["idempotency_key"].strip().lower()
        if not UUID_RE.match(key):
            raise ValidationError(_("页面已过期，请刷新后重新受理。"))
        return key

    def applicant_data(self) -> ApplicantData:
        d = self.cleaned_data
        return ApplicantData(kind=d["kind"], name=d["name"].strip(), cert_type=d["cert_type"],
                             cert_number=d["cert_number"].strip().upper(), phone=d.get("phone", "").strip(),
                             address=d.get("address", "").strip(),
                             legal_representative=d.get("legal_representative", "").strip())

    def agent(self) -> dict[str, str]:
        d = self.cleaned_data
        return {"agent_name": d.get("agent_name", "").strip(),
                "agent_cert_number": d.get("agent_cert_number", "").strip().upper(),
                "agent_phone": d.get("agent_phone", "").strip()}

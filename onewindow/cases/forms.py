"""Forms of the staff screens. They check shape and what the screen alone knows (which button was pressed,
which boxes were ticked); the lifecycle rules stay in services.py, whose ValidationErrors are mapped back
onto these forms' fields by `add_service_errors`.

Browsers' own validation is off (`use_required_attribute = False`): errors appear in one summary at the
top of the page, each linking to its field, and next to the field in words (GOV.UK pattern).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.choices import CaseKind, Necessity
from onewindow.catalog.models import GuideVersion, ServiceItem
from onewindow.catalog.services import current_guide
from onewindow.core.widgets import FastSelect
from onewindow.org.choices import CentreLevel
from onewindow.org.models import ServiceCentre

from .choices import (
    ApplicantKind,
    CertType,
    DeliveryMethod,
    DueState,
    MaterialStatus,
    SpecialProcedureKind,
    Status,
)
from .models import Case, CaseQuerySet
from .services import ApplicantData, cert_index

# How many calendar days ahead the promised date of a deferred (容缺) material is prefilled; the clerk
# changes it to what the applicant writes in the promise.
PENDING_PROMISE_DAYS = getattr(settings, "ONEWINDOW_PENDING_PROMISE_DAYS", 10)
DEFAULT_PROMISE = "本人承诺在上述日期前补齐容缺材料，并对所提交材料的真实性负责；逾期未补齐的，愿承担相应后果。"


class StaffForm(forms.Form):
    use_required_attribute = False

    def add_service_errors(self, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
        """Put a service's ValidationError onto the matching fields; unknown keys become form-level errors."""
        aliases = aliases or {}
        if hasattr(exc, "error_dict"):
            for key, errors in exc.error_dict.items():
                field = aliases.get(key, key)
                for error in errors:
                    for message in error.messages:
                        self.add_error(field if field in self.fields else None, message)
        else:
            for message in exc.messages:
                self.add_error(None, message)

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor id, message) pairs for the error summary, in field order."""
        links = []
        for name, errors in self.errors.items():
            if name == "__all__":
                anchor = getattr(self, "summary_anchor", "main")
            else:
                anchor = self[name].auto_id if name in self.fields else "main"
            links += [(anchor, str(e)) for e in errors]
        return links


# ---------------------------------------------------------------------------------------------
# Intake


def acceptable_items(centre: ServiceCentre | None) -> Any:
    """Published items `centre` may accept: the queryset form of ServiceCentre.may_accept (全县通办)."""
    qs = ServiceItem.objects.published()
    if centre is None:
        return qs.none()
    if centre.level == CentreLevel.COUNTY:
        return qs
    condition = Q(extra_centres=centre)
    if centre.accepts_county_wide:
        condition |= Q(county_wide=True)
    return qs.filter(condition).distinct()


class IntakeForm(StaffForm):
    """The general window: applicant, item, material checklist, and one of four outcomes."""

    ACCEPT, INSTANT, CORRECTION, REFUSE = "accept", "instant", "correction", "refuse"
    ACTIONS = [
        (ACCEPT, _("收件并受理")),
        (INSTANT, _("即办")),
        (CORRECTION, _("一次性告知补正")),
        (REFUSE, _("不予受理")),
    ]

    centre = forms.ModelChoiceField(label=_("收件中心"), queryset=ServiceCentre.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label=_("申请人类型"), choices=ApplicantKind.choices, initial=ApplicantKind.PERSON)
    cert_type = forms.ChoiceField(label=_("证件类型"), choices=CertType.choices, initial=CertType.ID_CARD)
    cert_number = forms.CharField(label=_("证件号码"), max_length=40,
                                  error_messages={"required": _("请填写证件号码。")})
    name = forms.CharField(label=_("姓名或名称"), max_length=200, error_messages={"required": _("请填写申请人姓名或名称。")})
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=100, required=False)
    agent_name = forms.CharField(label=_("代理人"), max_length=100, required=False)
    agent_cert_number = forms.CharField(label=_("代理人证件号码"), max_length=40, required=False)
    agent_phone = forms.CharField(label=_("代理人电话"), max_length=20, required=False)
    item = forms.ModelChoiceField(
        label=_("办理事项"), queryset=ServiceItem.objects.none(), widget=forms.HiddenInput,
        error_messages={"required": _("请选择办理事项。"),
                        "invalid_choice": _("本中心不能受理所选事项，请重新选择。")},
    )
    materials = forms.MultipleChoiceField(label=_("已收材料"), required=False, widget=forms.CheckboxSelectMultiple)
    promise_text = forms.CharField(label=_("容缺承诺"), required=False, initial=DEFAULT_PROMISE, max_length=300,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(label=_("补正说明"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("不予受理理由"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
    redirect_to = forms.CharField(label=_("告知申请途径"), required=False, max_length=300,
                                  help_text=_("不属于本机关职权范围的，告知向哪个机关申请。"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput,
                               error_messages={"required": _("请选择要执行的操作。")})

    summary_anchor = "intake-form"

    def __init__(self, *args: Any, centres: list[ServiceCentre], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.centres = centres
        cast(forms.ModelChoiceField, self.fields["centre"]).queryset = ServiceCentre.objects.filter(pk__in=[c.pk for c in centres])
        if len(centres) == 1:
            # One centre: nothing to choose, and a missing value is not the clerk's error.
            self.fields["centre"].widget = forms.HiddenInput()
            self.fields["centre"].initial = centres[0].pk
            self.fields["centre"].required = False
        self.selected_centre = self._resolve_centre()
        cast(forms.ModelChoiceField, self.fields["item"]).queryset = acceptable_items(self.selected_centre)
        self.selected_item: ServiceItem | None = self._resolve_item()
        self.guide: GuideVersion | None = current_guide(self.selected_item) if self.selected_item else None
        self.guide_materials: list[dict[str, Any]] = self.guide.materials if self.guide else []
        cast(forms.ChoiceField, self.fields["materials"]).choices = [(str(m["id"]), m["name"]) for m in self.guide_materials]
        default_promise = timezone.localdate() + dt.timedelta(days=PENDING_PROMISE_DAYS)
        for m in self.guide_materials:
            if m["necessity"] == Necessity.DEFERRABLE:
                self.fields[f"promise_{m['id']}"] = forms.DateField(
                    label=_("“%(n)s”承诺补齐日期") % {"n": m["name"]}, required=False, initial=default_promise,
                    widget=forms.DateInput(attrs={"type": "date"}))
            self.fields[f"problem_{m['id']}"] = forms.CharField(
                label=_("“%(n)s”的问题") % {"n": m["name"]}, required=False, max_length=300,
                widget=forms.TextInput(attrs={"placeholder": _("如：缺少签字")}))

    # -- resolution of the choices the rest of the form depends on --------------------------------
    def _value(self, name: str) -> Any:
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        value = self.initial.get(name, self.fields[name].initial)
        return getattr(value, "pk", value)

    def _resolve_centre(self) -> ServiceCentre | None:
        if len(self.centres) == 1:
            return self.centres[0]
        raw = self._value("centre")
        for centre in self.centres:
            if str(centre.pk) == str(raw):
                return centre
        return self.centres[0] if self.centres else None

    def _resolve_item(self) -> ServiceItem | None:
        raw = self._value("item")
        if not raw or not str(raw).isdigit():
            return None
        return acceptable_items(self.selected_centre).select_related("department").filter(pk=int(raw)).first()

    @property
    def has_deferrable(self) -> bool:
        return any(m["necessity"] == Necessity.DEFERRABLE for m in self.guide_materials)

    # -- rows for the checklist template ---------------------------------------------------------
    def material_rows(self) -> list[dict[str, Any]]:
        ticked = set(self._ticked())
        rows = []
        for m in self.guide_materials:
            rows.append({
                "m": m, "value": str(m["id"]), "checked": str(m["id"]) in ticked,
                "deferrable": m["necessity"] == Necessity.DEFERRABLE,
                "required": m["necessity"] == Necessity.REQUIRED,
                "promise": self[f"promise_{m['id']}"] if m["necessity"] == Necessity.DEFERRABLE else None,
                "problem": self[f"problem_{m['id']}"],
            })
        return rows

    def _ticked(self) -> list[str]:
        if self.is_bound:
            return self.data.getlist(self.add_prefix("materials")) if hasattr(self.data, "getlist") else []
        return [str(v) for v in self.initial.get("materials", [])]

    # -- validation ------------------------------------------------------------------------------
    def clean_cert_number(self) -> str:
        return self.cleaned_data["cert_number"].strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        item = data.get("item")
        received = self.received_ids()
        today = timezone.localdate()
        if action == self.REFUSE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("请填写不予受理的理由。"))
        if action == self.INSTANT and item is not None and item.case_kind != CaseKind.INSTANT:
            self.add_error("item", _("该事项不是即办件，请用“收件并受理”。"))
        if action in (self.ACCEPT, self.INSTANT) and item is not None:
            missing = [m["name"] for m in self.guide_materials
                       if m["necessity"] == Necessity.REQUIRED and m["id"] not in received]
            if action == self.INSTANT:
                missing += [m["name"] for m in self.guide_materials
                            if m["necessity"] == Necessity.DEFERRABLE and m["id"] not in received]
            if missing:
                self.add_error("materials", _("以下材料未勾选已收：%(m)s。材料不齐的，请用“一次性告知补正”。")
                               % {"m": "、".join(missing)})
        if action == self.ACCEPT:
            for m in self.guide_materials:
                if m["necessity"] != Necessity.DEFERRABLE or m["id"] in received:
                    continue
                field = f"promise_{m['id']}"
                due = data.get(field)
                if field in self.errors:
                    continue
                if not due:
                    self.add_error(field, _("“%(n)s”未收：请填写承诺补齐日期（容缺受理），或勾选已收。") % {"n": m["name"]})
                elif due <= today:
                    self.add_error(field, _("“%(n)s”的承诺补齐日期应晚于今天。") % {"n": m["name"]})
            if self.pending() and not (data.get("promise_text") or "").strip():
                self.add_error("promise_text", _("容缺受理需要申请人的书面承诺。"))
        if action == self.CORRECTION and item is not None and not self.correction_items():
            self.add_error("materials", _("一次性告知需要列明需补正的材料：请取消勾选未收的材料，或在“问题”栏写明问题。"))
        return data

    # -- what the services need ------------------------------------------------------------------
    def received_ids(self) -> set[int]:
        return {int(v) for v in self._ticked() if str(v).isdigit()}

    def pending(self) -> dict[int, dt.date]:
        received = self.received_ids()
        result = {}
        for m in self.guide_materials:
            if m["necessity"] == Necessity.DEFERRABLE and m["id"] not in received:
                due = self.cleaned_data.get(f"promise_{m['id']}") if hasattr(self, "cleaned_data") else None
                if due:
                    result[m["id"]] = due
        return result

    def correction_items(self) -> list[dict[str, str]]:
        """Every unticked required or deferrable material, and every material with a problem written."""
        received = self.received_ids()
        items = []
        for m in self.guide_materials:
            problem = (self.cleaned_data.get(f"problem_{m['id']}") or "").strip()
            unticked = m["id"] not in received and m["necessity"] != Necessity.OPTIONAL
            if unticked or problem:
                items.append({"material": m["name"], "problem": problem or str(_("未提交"))})
        return items

    def applicant_data(self) -> ApplicantData:
        d = self.cleaned_data
        return ApplicantData(kind=d["kind"], name=d["name"].strip(), cert_type=d["cert_type"],
                             cert_number=d["cert_number"], phone=d.get("phone", "").strip(),
                             address=d.get("address", "").strip(),
                             legal_representative=d.get("legal_representative", "").strip())


def find_applicant(cert_type: str, cert_number: str) -> Any:
    """The applicant with this certificate, through the blind index (no plain-text search on ID numbers)."""
    from .models import Applicant

    number = (cert_number or "").strip().upper()
    if not number or cert_type not in CertType.values:
        return None
    return Applicant.objects.filter(cert_index=cert_index(cert_type, number)).first()


# ---------------------------------------------------------------------------------------------
# Lists


PERIODS = [
    ("", _("全部时间")),
    ("today", _("今天")),
    ("7d", _("近7天")),
    ("30d", _("近30天")),
    ("month", _("本月")),
    ("year", _("本年")),
]
INBOX_STATUSES = [Status.ACCEPTED, Status.IN_REVIEW, Status.CORRECTION, Status.SPECIAL]
DUE_FILTERS = [DueState.NORMAL, DueState.WARNING, DueState.OVERDUE, DueState.PAUSED, DueState.DONE]


class _ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """Choices from one plain query. Django iterates a choice queryset with .iterator(), which on PostgreSQL
    opens a server-side cursor (DECLARE … WITH HOLD, FETCH, CLOSE): three round trips for a short list."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    iterator = _ListedChoiceIterator


class CaseFilterForm(StaffForm):
    """One filter set for the inbox, the case list and the export."""

    q = forms.CharField(label=_("办件编号或证件号码"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("状态"), required=False, widget=FastSelect)
    due = forms.ChoiceField(label=_("期限"), required=False, widget=FastSelect,
                            choices=[("", _("全部"))] + [(s.value, s.label) for s in DUE_FILTERS])
    item = ListedModelChoiceField(label=_("事项"), required=False, queryset=ServiceItem.objects.none(),
                                  empty_label=_("全部事项"), widget=FastSelect)
    period = forms.ChoiceField(label=_("收件时间"), required=False, choices=PERIODS, widget=FastSelect)
    date_from = forms.DateField(label=_("自"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(label=_("排序"), required=False, widget=FastSelect,
                             choices=[("", _("默认")), ("due", _("按到期日")), ("received", _("按收件时间（新→旧）"))])

    def __init__(self, *args: Any, inbox: bool = False, items: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inbox = inbox
        statuses = INBOX_STATUSES if inbox else list(Status)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("全部待办") if inbox else _("全部状态"))] + [
            (s.value, s.label) for s in statuses]
        if items is not None:
            cast(forms.ModelChoiceField, self.fields["item"]).queryset = items

    def filter(self, qs: CaseQuerySet) -> CaseQuerySet:
        # A bad value in one filter (a stale bookmark) drops that filter only, not the others.
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        status = data.get("status")
        if status:
            qs = qs.filter(status=status)
        elif self.inbox:
            # Back-office work: accepted cases still open; a correction before acceptance is the window's.
            qs = qs.filter(Q(status__in=[Status.ACCEPTED, Status.IN_REVIEW, Status.SPECIAL])
                           | Q(status=Status.CORRECTION, accepted_at__isnull=False))
        if data.get("due"):
            qs = qs.with_due_state(data["due"])
        if data.get("item"):
            qs = qs.filter(item=data["item"])
        start, end = self.period_bounds(data)
        if start:
            qs = qs.filter(received_at__gte=_day_start(start))
        if end:
            qs = qs.filter(received_at__lt=_day_start(end + dt.timedelta(days=1)))
        query = (data.get("q") or "").strip()
        if query:
            upper = query.upper()
            indexes = [cert_index(t, upper) for t in (CertType.ID_CARD, CertType.CREDIT_CODE, CertType.PASSPORT,
                                                      CertType.HK_MACAO, CertType.TAIWAN, CertType.OTHER)]
            qs = qs.filter(Q(number__startswith=query) | Q(applicant__cert_index__in=indexes))
        sort = data.get("sort") or ("due" if self.inbox else "received")
        from django.db.models import F

        if sort == "due":
            return qs.order_by(F("due_date").asc(nulls_last=True), "received_at", "id")
        return qs.order_by("-received_at", "-id")

    @staticmethod
    def period_bounds(data: dict[str, Any]) -> tuple[dt.date | None, dt.date | None]:
        today = timezone.localdate()
        start, end = data.get("date_from"), data.get("date_to")
        period = data.get("period")
        if period == "today":
            start = end = today
        elif period == "7d":
            start, end = today - dt.timedelta(days=6), today
        elif period == "30d":
            start, end = today - dt.timedelta(days=29), today
        elif period == "month":
            start, end = today.replace(day=1), today
        elif period == "year":
            start, end = today.replace(month=1, day=1), today
        return start, end


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# ---------------------------------------------------------------------------------------------
# Case actions. Each carries the version the screen showed; a stale screen gets a conflict, not a
# silent overwrite. Required-ness of texts is left to the services so the API and screens agree.


class ActionForm(StaffForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # Fields rendered as the submit buttons' name/value instead of inputs (see the template).
    button_field: str | None = None

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("expected_version", case.version)
        super().__init__(*args, **kwargs)
        self.case = case
        # Form-level errors in the summary link to this action's panel (auto_id is "<action>_%s").
        self.summary_anchor = "act-" + str(self.auto_id).replace("_%s", "")

    def visible_fields_for_render(self) -> list[Any]:
        return [f for f in self.visible_fields() if f.name != self.button_field]


def _pending_candidates(case: Case) -> list[Any]:
    return [m for m in case.materials.all() if m.necessity == Necessity.DEFERRABLE and m.status != MaterialStatus.RECEIVED]


class AcceptForm(ActionForm):
    """受理 from 已接件; deferrable materials not yet received may be accepted under a written promise."""

    promise_text = forms.CharField(label=_("容缺承诺"), required=False, initial=DEFAULT_PROMISE, max_length=300,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    opinion = forms.CharField(label=_("受理意见"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deferrable = _pending_candidates(self.case)
        default = timezone.localdate() + dt.timedelta(days=PENDING_PROMISE_DAYS)
        for m in self.deferrable:
            self.fields[f"promise_{m.guide_material_id}"] = forms.DateField(
                label=_("“%(n)s”承诺补齐日期（留空表示不容缺）") % {"n": m.name}, required=False, initial=default,
                widget=forms.DateInput(attrs={"type": "date"}))
        if not self.deferrable:
            del self.fields["promise_text"]

    def pending(self) -> dict[int, dt.date]:
        return {m.guide_material_id: self.cleaned_data[f"promise_{m.guide_material_id}"] for m in self.deferrable
                if self.cleaned_data.get(f"promise_{m.guide_material_id}")}


class RefuseForm(ActionForm):
    reason = forms.CharField(label=_("不予受理理由"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    redirect_to = forms.CharField(label=_("告知申请途径"), required=False, max_length=300)


class CorrectionForm(ActionForm):
    """一次性告知: every material with its problem, plus up to two other points, all in one notice."""

    extra_material_1 = forms.CharField(label=_("其他补正事项"), required=False, max_length=200)
    extra_problem_1 = forms.CharField(label=_("问题"), required=False, max_length=300)
    extra_material_2 = forms.CharField(label=_("其他补正事项"), required=False, max_length=200)
    extra_problem_2 = forms.CharField(label=_("问题"), required=False, max_length=300)
    note = forms.CharField(label=_("补正说明"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.materials = list(self.case.materials.all())
        fields = {}
        for m in self.materials:
            initial = _("未提交") if m.status == MaterialStatus.MISSING and m.necessity != Necessity.OPTIONAL else ""
            fields[f"problem_{m.pk}"] = forms.CharField(label=_("“%(n)s”的问题（留空表示无问题）") % {"n": m.name},
                                                        required=False, max_length=300, initial=initial)
        # Material rows first, then the free rows and the note.
        self.fields = {"expected_version": self.fields["expected_version"], **fields,
                       **{k: v for k, v in self.fields.items() if k != "expected_version"}}

    def items(self) -> list[dict[str, str]]:
        d = self.cleaned_data
        items = [{"material": m.name, "problem": d.get(f"problem_{m.pk}", "").strip()} for m in self.materials
                 if d.get(f"problem_{m.pk}", "").strip()]
        for n in (1, 2):
            material, problem = d.get(f"extra_material_{n}", "").strip(), d.get(f"extra_problem_{n}", "").strip()
            if material or problem:
                items.append({"material": material, "problem": problem})
        return items


class ReceiveCorrectionForm(ActionForm):
    materials = forms.MultipleChoiceField(label=_("本次收到的材料"), required=False, widget=forms.CheckboxSelectMultiple)
    opinion = forms.CharField(label=_("说明"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["materials"]).choices = [(str(m.guide_material_id), m.name) for m in self.case.materials.all()
                                            if m.status != MaterialStatus.RECEIVED and m.guide_material_id]


class OpinionForm(ActionForm):
    opinion = forms.CharField(label=_("意见"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class EmptyForm(ActionForm):
    pass


class StartSpecialForm(ActionForm):
    kind = forms.ChoiceField(label=_("特别程序种类"), choices=SpecialProcedureKind.choices)
    reason = forms.CharField(label=_("原因（将书面告知申请人）"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))


class EndSpecialForm(ActionForm):
    result = forms.CharField(label=_("特别程序结果"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ExtendForm(ActionForm):
    days = forms.IntegerField(label=_("延长工作日"), min_value=1, max_value=15, initial=10,
                              error_messages={"required": _("请填写延长的工作日数。"),
                                              "min_value": _("延长天数应在 1 至 15 个工作日之间。"),
                                              "max_value": _("延长天数应在 1 至 15 个工作日之间。")})
    reason = forms.CharField(label=_("延长理由"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(ActionForm):
    button_field = "decision"

    decision = forms.ChoiceField(label=_("决定"), choices=[("approve", _("准予许可")), ("deny", _("不予许可"))],
                                 error_messages={"required": _("请选择准予或不予许可。")})
    opinion = forms.CharField(label=_("决定意见（不予许可须说明理由）"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class DeliverForm(ActionForm):
    method = forms.ChoiceField(label=_("送达方式"), choices=DeliveryMethod.choices, initial=DeliveryMethod.PICKUP,
                               widget=forms.RadioSelect)
    recipient = forms.CharField(label=_("领取人（窗口领取）"), required=False, max_length=100)
    waybill_number = forms.CharField(label=_("EMS 运单号"), required=False, max_length=40)


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("原因及依据"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(ActionForm):
    reason = forms.CharField(label=_("撤回原因（申请人的书面申请）"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("请填写撤回原因。")})


class FulfilPendingForm(ActionForm):
    material = forms.TypedChoiceField(label=_("已补齐的容缺材料"), coerce=int,
                                      error_messages={"required": _("请选择已补齐的材料。")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["material"]).choices = [
            (m.pk, f"{m.name}（承诺 {m.promised_by:%Y-%m-%d} 前）" if m.promised_by else m.name)
            for m in self.case.materials.all() if m.status == MaterialStatus.PENDING]

"""Staff screens: the general-window workbench (intake), the back-office inbox, case lists and export,
the case page with its action forms, and the printed notices.

Views are thin: they read forms, call the lifecycle services (which lock, re-check permissions and write
history) and turn the services' errors into answers people can act on: field errors in a summary at the
top (400), a conflict banner on a fresh copy of the case (409), a friendly 403 page. Never a 500.
Every read goes through Case.objects.visible_to(user); a case outside it is a 404, not a 403, so case
numbers of other centres cannot be probed.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise, SimpleLazyObject, cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onewindow.audit.services import record_event
from onewindow.catalog.choices import Necessity
from onewindow.catalog.models import ServiceItem
from onewindow.catalog.search import search_items
from onewindow.core.db import fixed_join_order
from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.core.masking import mask_id_number, mask_name, mask_phone
from onewindow.org.choices import Role
from onewindow.org.models import ServiceCentre, StaffRole
from onewindow.org.roles import staff_roles

from . import forms as f
from . import permissions, services
from .choices import (
    ApplicantKind,
    DeliveryMethod,
    DueState,
    MaterialStatus,
    ReviewStage,
    SpecialProcedureKind,
    Status,
)
from .models import Case, CaseEvent, CaseVisit
from .notices import NOTICE_TITLES, available_notices, notice_pdf, notice_title
from .tables import case_rows

PAGE_SIZE = 50
# Lists count at most this many rows (bench/caselist.py: over a million cases an exact COUNT(*) was the
# slowest query of the page, and a count capped at 10,000 still walked 10,001 index entries on every page
# view: 4-6 ms). 1,000 rows are 20 pages; beyond them the page says "more than" and asks for a filter, which
# is what a clerk looking for a case does anyway.
LIST_COUNT_CAP = 1_000


class CappedPaginator(Paginator):
    """A paginator whose count stops at `LIST_COUNT_CAP` + 1 rows (a LIMITed subquery, not a full count)."""

    cap = LIST_COUNT_CAP

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap
NECESSITY_LABELS = dict(Necessity.choices)
EXPORT_LIMIT = 20000

# ---------------------------------------------------------------------------------------------
# Helpers


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in (else the login page) and a staff member (else a friendly 403)."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (request.user.is_staff or request.user.is_superuser):
            return forbidden(request, _("此页面仅限工作人员使用。"))
        return view(request, *args, **kwargs)

    return wrapper


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "cases/staff/forbidden.html", _nav(request) | {"message": message}, status=403)


@dataclass
class Nav:
    """Which links the staff header shows. Links are a convenience only: every view checks access itself."""

    clerk: bool
    reviewer: bool
    export: bool
    hall: bool = False
    liaison: bool = False
    leader: bool = False
    admin: bool = False
    stats: bool = False


def _nav(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav": Nav(False, False, False)}
    cached = getattr(request, "_staff_nav", None)
    if cached is None:
        roles = {r.role for r in staff_roles(user)}
        su = user.is_superuser
        cached = Nav(
            clerk=su or Role.CLERK in roles,
            reviewer=su or bool(roles & {Role.APPROVER, Role.SECTION_HEAD}),
            export=user.has_perm("cases.export_case"),
            hall=su or bool(roles & {Role.CLERK, Role.HALL_MANAGER}),
            liaison=su or bool(roles & {Role.LIAISON, Role.SECTION_HEAD, Role.SYSTEM_ADMIN}),
            leader=su or bool(roles & {Role.LEADER, Role.HALL_MANAGER}),
            admin=su or Role.SYSTEM_ADMIN in roles,
            stats=su or bool(roles & {Role.LEADER, Role.SYSTEM_ADMIN}),
        )
        request._staff_nav = cached  # type: ignore[attr-defined]
    return {"nav": cached}


def staff_nav(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the same `nav` for every page that extends staff_base.html, computed only when a
    template reads it (public pages never pay the query)."""
    return {"nav": SimpleLazyObject(lambda: _nav(request)["nav"])}


def _intake_centres(user: Any) -> list[ServiceCentre]:
    """Centres where the user may receive cases: their clerk centres; any active centre for a superuser."""
    if user.is_superuser:
        return list(ServiceCentre.objects.active().order_by("region_code", "code"))
    ids = StaffRole.objects.filter(user=user, role=Role.CLERK).values_list("centre_id", flat=True)
    return list(ServiceCentre.objects.active().filter(pk__in=ids).order_by("region_code", "code"))


class PersonalData:
    """Who sees personal data in full: clerks of the case's receiving or handling centre (they serve the
    applicant in person), as permissions.is_window_staff says; other staff see it masked."""

    def __init__(self, user: Any):
        self.all = user.is_superuser
        self.centres = set() if self.all else {r.centre_id for r in staff_roles(user) if r.role == Role.CLERK}

    def full(self, case: Case) -> bool:
        return self.all or case.centre_id in self.centres or case.handling_centre_id in self.centres

    def name(self, case: Case) -> str:
        applicant = case.applicant
        if self.full(case) or applicant.kind == ApplicantKind.ENTERPRISE:
            return applicant.name
        return mask_name(applicant.name)


_DUE_MARKS = {DueState.OVERDUE: "⚠ ", DueState.WARNING: "◔ ", DueState.PAUSED: "‖ "}


def _due(case: Case, today: dt.date) -> dict[str, str]:
    state = case.due_state(today)
    return {"state": state, "label": str(DueState(state).label), "mark": _DUE_MARKS.get(DueState(state), "")}


# ---------------------------------------------------------------------------------------------
# Workbench home


@staff_required
def workbench(request: HttpRequest) -> HttpResponse:
    user = request.user
    visible = Case.objects.visible_to(user)
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    counts = {
        "today": visible.filter(received_at__gte=start, received_at__lt=start + dt.timedelta(days=1)).count(),
        "received": visible.filter(status=Status.RECEIVED).count(),
        "submitted": visible.filter(status=Status.SUBMITTED).count(),
        "normal": visible.with_due_state(DueState.NORMAL).count(),
        "warning": visible.with_due_state(DueState.WARNING).count(),
        "overdue": visible.with_due_state(DueState.OVERDUE).count(),
        "paused": visible.with_due_state(DueState.PAUSED).count(),
    }
    pii = PersonalData(user)
    recent = list(visible.for_list().filter(received_at__gte=start).order_by("-received_at")[:10])
    rows = [{"case": c, "name": pii.name(c), "due": _due(c, today)} for c in recent]
    return render(request, "cases/staff/workbench.html", _nav(request) | {
        "counts": counts, "rows": rows, "today": today,
    })


# ---------------------------------------------------------------------------------------------
# Intake


@staff_required
def intake(request: HttpRequest) -> HttpResponse:
    centres = _intake_centres(request.user)
    if not centres:
        return forbidden(request, _("您不是综合窗口受理人员，不能收件。后台审批请到“待办”。"))
    status = 200
    if request.method == "POST":
        form = f.IntakeForm(request.POST, centres=centres)
        if form.is_valid():
            try:
                case, created = _run_intake(request.user, form)
            except ValidationError as exc:
                form.add_service_errors(exc, aliases={"items": "materials", "window": "centre", "channel": "centre"})
            except ConflictError as exc:
                form.add_error(None, exc.message)
            except ForbiddenError as exc:
                return forbidden(request, exc.message)
            else:
                if created:
                    messages.success(request, _("已完成：%(a)s。办件编号 %(n)s，请打印文书交申请人。")
                                     % {"a": dict(f.IntakeForm.ACTIONS)[form.cleaned_data["action"]], "n": case.number})
                else:
                    messages.info(request, _("该申请已经提交过，没有重复生成办件。办件编号 %(n)s。") % {"n": case.number})
                return redirect("cases:case_detail", number=case.number)
        status = 400
    else:
        form = f.IntakeForm(centres=centres, initial={"idempotency_key": uuid.uuid4().hex})
    return render(request, "cases/staff/intake.html", _nav(request) | {
        "form": form, "centres": centres, "material_rows": form.material_rows(),
    }, status=status)


def _run_intake(user: Any, form: f.IntakeForm) -> tuple[Case, bool]:
    """One transaction: the case is received and accepted / corrected / refused together, or not at all,
    so a rejected form leaves nothing behind and the same idempotency key can be submitted again."""
    d = form.cleaned_data
    # Keys are scoped to the user, so a key from someone else's form cannot fetch their case.
    key = f"staff:{user.pk}:{d['idempotency_key']}"
    existing = Case.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    item: ServiceItem = d["item"]
    centre: ServiceCentre = d.get("centre") or form.selected_centre or form.centres[0]
    applicant = form.applicant_data()
    agent = {"agent_name": d.get("agent_name", ""), "agent_cert_number": d.get("agent_cert_number", "").upper(),
             "agent_phone": d.get("agent_phone", "")}
    received = sorted(form.received_ids())
    action = d["action"]
    with transaction.atomic():
        if action == f.IntakeForm.INSTANT:
            case = services.complete_instant(actor=user, item=item, applicant=applicant, centre=centre,
                                             received_material_ids=received, idempotency_key=key)
            return case, True
        result = services.receive_case(actor=user, item=item, applicant=applicant, centre=centre,
                                       received_material_ids=received, idempotency_key=key, **agent)
        case = result.case
        if not result.created:
            return case, False
        if action == f.IntakeForm.ACCEPT:
            case = services.accept_case(actor=user, case=case, pending=form.pending(),
                                        promise_text=d.get("promise_text", "") if form.pending() else "")
        elif action == f.IntakeForm.CORRECTION:
            services.request_correction(actor=user, case=case, items=form.correction_items(), note=d.get("note", ""))
        elif action == f.IntakeForm.REFUSE:
            services.refuse_case(actor=user, case=case, reason=d["reason"], redirect_to=d.get("redirect_to", ""))
    return case, True


@staff_required
def intake_items(request: HttpRequest) -> HttpResponse:
    """htmx: search-as-you-type over the items the chosen centre may accept."""
    centres = _intake_centres(request.user)
    if not centres:
        return forbidden(request, _("您不是综合窗口受理人员。"))
    form = f.IntakeForm(centres=centres, initial={"centre": request.GET.get("centre"), "item": request.GET.get("item")})
    query = request.GET.get("q", "").strip()[:50]
    items = search_items(f.acceptable_items(form.selected_centre), query, limit=12) if query else []
    return render(request, "cases/staff/_item_results.html", {
        "items": items, "query": query, "selected": form.selected_item,
    })


@staff_required
def intake_materials(request: HttpRequest) -> HttpResponse:
    """htmx: the chosen item's material checklist (from its current guide) and the outcome buttons."""
    centres = _intake_centres(request.user)
    if not centres:
        return forbidden(request, _("您不是综合窗口受理人员。"))
    form = f.IntakeForm(centres=centres, initial={"centre": request.GET.get("centre"), "item": request.GET.get("item")})
    return render(request, "cases/staff/_materials.html", {"form": form, "material_rows": form.material_rows()})


@staff_required
def intake_applicant(request: HttpRequest) -> HttpResponse:
    """htmx: look the applicant up by certificate (blind index) and prefill their details."""
    centres = _intake_centres(request.user)
    if not centres:
        return forbidden(request, _("您不是综合窗口受理人员。"))
    applicant = f.find_applicant(request.GET.get("cert_type", ""), request.GET.get("cert_number", ""))
    initial = {k: request.GET.get(k, "") for k in ("name", "phone", "address", "legal_representative")}
    if applicant is not None:
        # The phone and address on record are shown masked, never prefilled: typing a certificate number must
        # not reveal them (a full view is the audited "显示完整信息"). Left blank, the stored ones are kept.
        initial |= {"name": applicant.name, "legal_representative": applicant.legal_representative}
    form = f.IntakeForm(centres=centres, initial=initial)
    history = applicant.cases.count() if applicant is not None else 0
    return render(request, "cases/staff/_applicant_details.html", {
        "form": form, "applicant": applicant, "history": history,
        "known_phone": applicant.masked_phone if applicant is not None else "",
        "known_address": applicant.masked_address if applicant is not None else "",
        "looked_up": bool(request.GET.get("cert_number", "").strip()),
    })


# ---------------------------------------------------------------------------------------------
# Lists and export


def _list_context(request: HttpRequest, inbox: bool) -> dict[str, Any]:
    user = request.user
    visible = Case.objects.visible_to(user)
    # One index probe per item (EXISTS), not a semi-join over every visible case (bench/caselist.py).
    items = (ServiceItem.objects.filter(Exists(visible.filter(item_id=OuterRef("pk")))).order_by("name")
             .only("id", "name"))
    form = f.CaseFilterForm(request.GET or None, inbox=inbox, items=items)
    qs = form.filter(visible.for_table())
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    pii = PersonalData(user)
    with fixed_join_order():
        cases = list(page.object_list)
    rows = [{"case": c, "name": pii.name(c), "due": _due(c, today)} for c in cases]
    query = request.GET.copy()
    query.pop("page", None)
    return {"form": form, "page": page, "rows": rows, "rows_html": case_rows(rows), "inbox": inbox,
            "query": query.urlencode(), "today": today}


def _list(request: HttpRequest, inbox: bool) -> HttpResponse:
    context = _nav(request) | _list_context(request, inbox)
    if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "case-table":
        return render(request, "cases/staff/_case_table.html", context)
    return render(request, "cases/staff/case_list.html", context)


@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Back-office queue: accepted cases of the user's sections/departments, soonest due first."""
    return _list(request, inbox=True)


@staff_required
def case_list(request: HttpRequest) -> HttpResponse:
    return _list(request, inbox=False)


EXPORT_COLUMNS = ["办件编号", "事项", "申请人", "证件号码", "联系电话", "状态", "期限状态", "收件中心", "办理部门",
                  "办理科室", "收件时间", "受理时间", "承诺办结日期", "办结时间", "按时办结", "到现场次数"]


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@staff_required
def case_export(request: HttpRequest) -> HttpResponse:
    """Excel export of the filtered list; personal data always masked; an audited act."""
    if not request.user.has_perm("cases.export_case"):
        return forbidden(request, _("您没有导出办件的权限。"))
    from openpyxl import Workbook

    visible = Case.objects.visible_to(request.user)
    form = f.CaseFilterForm(request.GET or None, inbox=False, items=ServiceItem.objects.all())
    cases = form.filter(visible.for_list())[:EXPORT_LIMIT]
    today = timezone.localdate()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("办件")
    sheet.append(EXPORT_COLUMNS)
    count = 0
    for c in cases.iterator(chunk_size=1000):
        count += 1
        on_time = c.is_on_time
        sheet.append([
            c.number, c.item.name, c.applicant.masked_name, mask_id_number(c.applicant.cert_number),
            mask_phone(c.contact_phone), c.get_status_display(), str(DueState(c.due_state(today)).label),
            c.centre.name, c.department.name, c.section.name if c.section else "", _local(c.received_at),
            _local(c.accepted_at), c.due_date.isoformat() if c.due_date else "", _local(c.completed_at),
            "" if on_time is None else ("是" if on_time else "否"), c.visits,
        ])
    buffer = io.BytesIO()
    book.save(buffer)
    with transaction.atomic():
        record_event(actor=request.user, action="case_export", object_type="cases.case",
                     summary=f"{count} rows", data={"filters": request.GET.dict(), "rows": count})
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="cases-{today:%Y%m%d}.xlsx"'
    return response


# ---------------------------------------------------------------------------------------------
# Case detail and actions


@dataclass
class Caps:
    """What the user may do on this case, from the same checks the services run."""

    intake: bool
    window: bool
    review: bool
    approve: bool


def _caps(user: Any, case: Case) -> Caps:
    return Caps(
        intake=permissions.can_intake(user, case.centre),
        window=permissions.is_window_staff(user, case),
        review=permissions.can_review(user, case),
        approve=permissions.can_approve(user, case),
    )


@dataclass
class ActionSpec:
    label: str | Promise  # lazy: ACTIONS is built at import time, the label is shown in the request language
    form_class: type[f.ActionForm]
    run: Callable[[Any, Case, f.ActionForm], str]
    danger: bool = False


def _v(form: f.ActionForm) -> int:
    return form.cleaned_data["expected_version"]


def _run_accept(user: Any, case: Case, form: Any) -> str:
    pending = form.pending()
    services.accept_case(actor=user, case=case, pending=pending, opinion=form.cleaned_data.get("opinion", ""),
                         promise_text=form.cleaned_data.get("promise_text", "") if pending else "",
                         expected_version=_v(form))
    return _("已容缺受理。") if pending else _("已受理。")


def _run_refuse(user: Any, case: Case, form: Any) -> str:
    d = form.cleaned_data
    services.refuse_case(actor=user, case=case, reason=d["reason"], redirect_to=d["redirect_to"], expected_version=_v(form))
    return _("已不予受理，请打印不予受理通知书。")


def _run_correction(user: Any, case: Case, form: Any) -> str:
    services.request_correction(actor=user, case=case, items=form.items(), note=form.cleaned_data["note"],
                                expected_version=_v(form))
    return _("已出具一次性补正告知，请打印补正材料通知书。")


def _run_receive_correction(user: Any, case: Case, form: Any) -> str:
    ids = [int(x) for x in form.cleaned_data["materials"]]
    services.receive_correction(actor=user, case=case, received_material_ids=ids,
                                opinion=form.cleaned_data["opinion"], expected_version=_v(form))
    return _("已登记补正材料。")


def _run_prereview(user: Any, case: Case, form: Any) -> str:
    services.prereview_pass(actor=user, case=case, opinion=form.cleaned_data["opinion"], expected_version=_v(form))
    return _("预审通过，已转为已接件。")


def _run_start_review(user: Any, case: Case, form: Any) -> str:
    services.start_review(actor=user, case=case, expected_version=_v(form))
    return _("已开始办理。")


def _run_review(user: Any, case: Case, form: Any) -> str:
    services.review_case(actor=user, case=case, opinion=form.cleaned_data["opinion"], expected_version=_v(form))
    return _("审查意见已提交。")


def _run_start_special(user: Any, case: Case, form: Any) -> str:
    d = form.cleaned_data
    services.start_special_procedure(actor=user, case=case, kind=d["kind"], reason=d["reason"], expected_version=_v(form))
    return _("特别程序已开始，期间暂停计时。")


def _run_end_special(user: Any, case: Case, form: Any) -> str:
    services.end_special_procedure(actor=user, case=case, result=form.cleaned_data["result"], expected_version=_v(form))
    return _("特别程序已结束，恢复计时。")


def _run_extend(user: Any, case: Case, form: Any) -> str:
    d = form.cleaned_data
    services.extend_deadline(actor=user, case=case, days=d["days"], reason=d["reason"], expected_version=_v(form))
    return _("审批期限已延长。")


def _run_decide(user: Any, case: Case, form: Any) -> str:
    approve = form.cleaned_data["decision"] == "approve"
    services.decide_case(actor=user, case=case, approve=approve, opinion=form.cleaned_data["opinion"],
                         expected_version=_v(form))
    return _("已作出准予许可决定。") if approve else _("已作出不予许可决定。")


def _run_deliver(user: Any, case: Case, form: Any) -> str:
    d = form.cleaned_data
    services.deliver_case(actor=user, case=case, method=d["method"], waybill_number=d["waybill_number"],
                          recipient=d["recipient"], expected_version=_v(form))
    return _("已登记送达。")


def _run_archive(user: Any, case: Case, form: Any) -> str:
    services.archive_case(actor=user, case=case)
    return _("已归档。")


def _run_withdraw(user: Any, case: Case, form: Any) -> str:
    services.withdraw_case(actor=user, case=case, reason=form.cleaned_data["reason"], expected_version=_v(form))
    return _("申请已撤回。")


def _run_revoke(user: Any, case: Case, form: Any) -> str:
    services.revoke_case(actor=user, case=case, reason=form.cleaned_data["reason"], expected_version=_v(form))
    return _("许可已撤销。")


def _run_fulfil(user: Any, case: Case, form: Any) -> str:
    material = case.materials.filter(pk=form.cleaned_data["material"]).first()
    if material is None:
        raise ValidationError({"material": [_("请选择已补齐的材料。")]})
    services.fulfil_pending_material(actor=user, case=case, material=material)
    return _("已登记容缺材料补齐。")


def _run_visit(user: Any, case: Case, form: Any) -> str:
    services.record_visit(actor=user, case=case)
    return _("已登记一次到现场。")


ACTIONS: dict[str, ActionSpec] = {
    "prereview_pass": ActionSpec(gettext_lazy("预审通过"), f.OpinionForm, _run_prereview),
    "accept": ActionSpec(gettext_lazy("受理"), f.AcceptForm, _run_accept),
    "request_correction": ActionSpec(gettext_lazy("一次性告知补正"), f.CorrectionForm, _run_correction),
    "receive_correction": ActionSpec(gettext_lazy("补正材料已收"), f.ReceiveCorrectionForm, _run_receive_correction),
    "refuse": ActionSpec(gettext_lazy("不予受理"), f.RefuseForm, _run_refuse, danger=True),
    "start_review": ActionSpec(gettext_lazy("开始办理"), f.EmptyForm, _run_start_review),
    "review": ActionSpec(gettext_lazy("提交审查意见"), f.OpinionForm, _run_review),
    "decide": ActionSpec(gettext_lazy("作出决定"), f.DecideForm, _run_decide),
    "start_special": ActionSpec(gettext_lazy("启动特别程序"), f.StartSpecialForm, _run_start_special),
    "end_special": ActionSpec(gettext_lazy("结束特别程序"), f.EndSpecialForm, _run_end_special),
    "extend": ActionSpec(gettext_lazy("延长审批期限"), f.ExtendForm, _run_extend),
    "fulfil_pending": ActionSpec(gettext_lazy("容缺材料补齐"), f.FulfilPendingForm, _run_fulfil),
    "deliver": ActionSpec(gettext_lazy("送达"), f.DeliverForm, _run_deliver),
    "archive": ActionSpec(gettext_lazy("归档"), f.EmptyForm, _run_archive),
    "record_visit": ActionSpec(gettext_lazy("登记到现场"), f.EmptyForm, _run_visit),
    "withdraw": ActionSpec(gettext_lazy("撤回申请"), f.WithdrawForm, _run_withdraw, danger=True),
    "revoke": ActionSpec(gettext_lazy("撤销许可"), f.ReasonForm, _run_revoke, danger=True),
}


def available_actions(case: Case, caps: Caps) -> list[str]:
    """The actions to offer now. Presentation only: every service re-checks state and permission."""
    s = case.status
    acts: list[str] = []
    pending = [m for m in case.materials.all() if m.status == MaterialStatus.PENDING]
    open_correction = any(c.received_at is None for c in case.corrections.all())
    if s == Status.SUBMITTED and caps.intake:
        acts += ["prereview_pass", "request_correction", "refuse"]
    if s == Status.RECEIVED and caps.intake:
        acts += ["accept", "request_correction", "refuse"]
    if s == Status.CORRECTION and open_correction and (caps.window or caps.review):
        acts.append("receive_correction")
    if s == Status.ACCEPTED and caps.review:
        acts += ["start_review", "request_correction", "extend"]
    if s in (Status.ACCEPTED, Status.IN_REVIEW) and caps.approve and (
            case.item.review_mode != "staged" or case.review_stage == ReviewStage.APPROVE):
        acts.append("decide")
    if s == Status.IN_REVIEW and caps.review:
        if case.item.review_mode == "staged" and case.review_stage in (ReviewStage.UNDERTAKE, ReviewStage.CHECK):
            acts.append("review")
        acts += ["request_correction", "start_special"]
        if not case.extension_days:
            acts.append("extend")
    if s == Status.SPECIAL and caps.review:
        acts.append("end_special")
    if pending and (caps.window or caps.review):
        acts.append("fulfil_pending")
    if s in (Status.APPROVED, Status.APPROVED_PENDING, Status.DENIED) and not case.delivered_at and (
            caps.window or caps.review):
        acts.append("deliver")
    archivable = s in (Status.REFUSED, Status.WITHDRAWN, Status.REVOKED) or (
        s in (Status.APPROVED, Status.APPROVED_PENDING, Status.DENIED) and case.delivered_at)
    if archivable and not case.archived_at and (caps.window or caps.review):
        acts.append("archive")
    if s in (Status.APPROVED, Status.APPROVED_PENDING) and caps.approve:
        acts.append("revoke")
    if s in (Status.SUBMITTED, Status.RECEIVED, Status.ACCEPTED, Status.CORRECTION, Status.IN_REVIEW,
             Status.SPECIAL) and caps.window:
        acts.append("withdraw")
    if caps.window and not case.archived_at and s != Status.SUBMITTED:
        acts.append("record_visit")
    return list(dict.fromkeys(acts))


def _case_queryset(user: Any) -> Any:
    return Case.objects.visible_to(user).select_related(
        "item", "guide", "applicant", "centre", "handling_centre", "department", "section", "clerk", "assignee",
        "window",
    ).prefetch_related(
        Prefetch("events", queryset=CaseEvent.objects.prefetch_related("attachments")),
        "materials", "materials__files", "pauses", "corrections",
        Prefetch("visit_records", queryset=CaseVisit.objects.select_related("centre")),
    )


def _get_case(user: Any, number: str) -> Case:
    with fixed_join_order():  # eleven tables joined from the case: no join-order search (core/db.py)
        return get_object_or_404(_case_queryset(user), number=number)


def _render_detail(request: HttpRequest, case: Case, *, failed: tuple[str, f.ActionForm] | None = None,
                   conflict: str = "", status: int = 200, reveal: bool = False) -> HttpResponse:
    caps = _caps(request.user, case)
    names = available_actions(case, caps)
    panels = []
    for name in names:
        spec = ACTIONS[name]
        form = failed[1] if failed and failed[0] == name else spec.form_class(case=case, auto_id=f"{name}_%s")
        panels.append({"name": name, "spec": spec, "form": form, "open": bool(failed and failed[0] == name)})
    if failed and failed[0] not in names:
        spec = ACTIONS[failed[0]]
        panels.insert(0, {"name": failed[0], "spec": spec, "form": failed[1], "open": True})
    if panels and not any(p["open"] for p in panels):
        panels[0]["open"] = True
    # Window staff see names (they call people by name); ID numbers, phones and addresses stay masked for
    # everyone until a window clerk asks for them with the "显示完整信息" button (audited, rate-limited).
    may_reveal = caps.window
    full = may_reveal and reveal
    applicant = case.applicant
    person = applicant.kind == ApplicantKind.PERSON
    shown = {
        "name": applicant.name if may_reveal or not person else mask_name(applicant.name),
        "cert": applicant.cert_number if full or not person else mask_id_number(applicant.cert_number),
        "phone": case.contact_phone if full else mask_phone(case.contact_phone),
        "address": applicant.address if full else applicant.masked_address,
        "agent_name": case.agent_name if may_reveal else mask_name(case.agent_name),
        "agent_cert": case.agent_cert_number if full else mask_id_number(case.agent_cert_number),
        "agent_phone": case.agent_phone if full else mask_phone(case.agent_phone),
    }
    notices = [{"kind": k, "title": notice_title(case, k),
                "url": reverse("cases:case_notice", args=[case.number, k])} for k in available_notices(case)]
    today = timezone.localdate()
    context = _nav(request) | {
        "case": case, "panels": panels, "failed": failed[1] if failed else None, "conflict": conflict,
        "shown": shown, "full_pii": full, "may_reveal": may_reveal, "notices": notices, "due": _due(case, today),
        "events": [{"e": e, "details": _event_details(e), "items": _event_items(e)} for e in case.events.all()],
        "materials": [{"m": m, "necessity": NECESSITY_LABELS.get(m.necessity, m.necessity)} for m in case.materials.all()],
        "pauses": list(case.pauses.all()), "visits": list(case.visit_records.all()),
        "corrections": list(case.corrections.all()),
    }
    response = render(request, "cases/staff/case_detail.html", context, status=status)
    if full:
        response["Cache-Control"] = "no-store"  # full personal data: not kept by the browser or a proxy
    return response


def _event_details(event: CaseEvent) -> list[str]:
    """The few facts of an event's data worth a line in the timeline (dates, counts, waybills)."""
    data = event.data if isinstance(event.data, dict) else {}
    lines = []
    if data.get("due_date"):
        lines.append(_("承诺办结日期 %(d)s") % {"d": data["due_date"]})
    if data.get("days"):
        lines.append(_("延长 %(n)s 个工作日") % {"n": data["days"]})
    if data.get("kind") and event.action == "start_special":
        lines.append(str(dict(SpecialProcedureKind.choices).get(data["kind"], data["kind"])))
    if data.get("method"):
        lines.append(str(dict(DeliveryMethod.choices).get(data["method"], data["method"])))
    if data.get("waybill_number"):
        lines.append(_("运单号 %(n)s") % {"n": data["waybill_number"]})
    if data.get("recipient"):
        lines.append(_("领取人 %(n)s") % {"n": data["recipient"]})
    if data.get("material"):
        lines.append(str(data["material"]))
    if data.get("to_centre"):
        lines.append(_("转至 %(c)s") % {"c": data["to_centre"]})
    if data.get("redirect_to"):
        lines.append(_("告知申请途径：%(r)s") % {"r": data["redirect_to"]})
    return lines


def _event_items(event: CaseEvent) -> list[dict[str, str]]:
    data = event.data if isinstance(event.data, dict) else {}
    items = data.get("items")
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


@staff_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_detail(request, _get_case(request.user, number))


@require_POST
@staff_required
def case_reveal(request: HttpRequest, number: str) -> HttpResponse:
    """"显示完整信息": the case page once more with full ID numbers, phones and address, recorded as an audit
    event ``pii.reveal``. A POST (never a link a crawler or prefetch could follow), rate-limited per user."""
    from .views_public import rate_hit, rate_wait

    case = _get_case(request.user, number)
    ident = str(request.user.pk)
    wait = rate_wait("pii_reveal_user", ident)
    if wait is not None:
        response = render(request, "cases/public/rate_limited.html", {"minutes": max(1, (wait + 59) // 60)},
                          status=429)
        response["Retry-After"] = str(wait)
        return response
    try:
        services.reveal_personal_data(actor=request.user, case=case, reason=request.POST.get("reason", ""))
    except ForbiddenError as exc:
        return forbidden(request, exc.message)
    rate_hit("pii_reveal_user", ident)
    return _render_detail(request, case, reveal=True)


@require_POST
@staff_required
def case_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(_("没有这个操作。"))
    case = _get_case(request.user, number)
    form = spec.form_class(request.POST, case=case, auto_id=f"{action}_%s")
    if not form.is_valid():
        return _render_detail(request, case, failed=(action, form), status=400)
    try:
        if form.cleaned_data["expected_version"] != case.version:
            # Services check this again under the row lock; this catches the actions that take no version.
            raise ConflictError(_("该办件已被其他人修改（版本 %(v)d），请查看最新情况后重试。") % {"v": case.version})
        message = spec.run(request.user, case, form)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _render_detail(request, case, failed=(action, form), status=400)
    except ConflictError as exc:
        return _render_detail(request, _get_case(request.user, number), conflict=exc.message, status=409)
    except ForbiddenError as exc:
        return forbidden(request, exc.message)
    messages.success(request, message)
    return redirect("cases:case_detail", number=case.number)


@staff_required
def case_notice(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    if kind not in NOTICE_TITLES:
        raise Http404(_("没有这种文书。"))
    case = _get_case(request.user, number)
    content = notice_pdf(case, kind, request.build_absolute_uri("/"))
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{kind}-{case.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response

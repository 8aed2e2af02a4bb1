"""Supervision screens: the liaison inbox with claim and feedback, the handoff page, the bureau's claim
statistics, a case's supervision record, and the 双告知 page with its PDF.

Thin views: read a form, call one service, turn its errors into answers (400 with the fields, 409 with a
fresh page, 403). Every read goes through Handoff.objects.visible_to / Case.objects.visible_to; anything
outside is a 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onewindow.cases.models import Case
from onewindow.core import clock
from onewindow.core.errors import ConflictError, ForbiddenError

from . import permissions, selectors, services
from .choices import HandoffStatus
from .forms import AssignForm, ClaimForm, FeedbackForm, PromiseForm, ScopeForm
from .models import Handoff, RegistrationNotice
from .notice import notice_pdf

TABS = [("pending", gettext_lazy("待认领")), ("pool", gettext_lazy("认领池")), ("claimed", gettext_lazy("已认领待反馈")),
        ("all", gettext_lazy("全部"))]


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (request.user.is_staff or request.user.is_superuser):
            raise PermissionDenied(_("此页面仅限工作人员使用。"))
        return view(request, *args, **kwargs)

    return wrapper


def _handoff(request: HttpRequest, uuid: Any) -> Handoff:
    return get_object_or_404(Handoff.objects.visible_to(request.user).for_list(), uuid=uuid)


def _case(request: HttpRequest, number: str) -> Case:
    """A case the user may see, or whose handoff they may see (a liaison on a supervised case)."""
    user = request.user
    visible = Case.objects.visible_to(user).filter(number=number)
    handed = Case.objects.filter(number=number, supervision_handoffs__in=Handoff.objects.visible_to(user))
    case = (visible | handed).distinct().select_related("item", "applicant", "centre", "department").first()
    if case is None:
        raise Http404(_("没有这个办件，或您无权查看。"))
    return case


@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    departments = permissions.acting_departments(user)
    tab = request.GET.get("tab", "pending")
    if tab not in dict(TABS):
        tab = "pending"
    today = clock.today()
    rows = list(selectors.inbox(user, tab, departments)[:200])
    counts = {name: selectors.inbox(user, name, departments).count() for name, _label in TABS if name != "all"}
    return render(request, "supervision/inbox.html", {
        "tab": tab, "tabs": TABS, "rows": rows, "counts": counts, "today": today,
        "claim_form": ClaimForm(departments=departments), "multi": len(departments) > 1,
        "is_liaison": bool(departments) or user.is_superuser,
    })


def _detail(request: HttpRequest, handoff: Handoff, *, feedback_form: FeedbackForm | None = None,
            claim_form: ClaimForm | None = None, assign_form: AssignForm | None = None, conflict: str = "",
            status: int = 200) -> HttpResponse:
    user = request.user
    departments = permissions.acting_departments(user)
    sup = selectors.case_supervision(handoff.case)
    return render(request, "supervision/handoff_detail.html", {
        "h": handoff, "case": handoff.case, "today": clock.today(), "sup": sup,
        "events": handoff.events.all(), "feedback": handoff.feedback.select_related("department"),
        "can_claim": handoff.status == HandoffStatus.PENDING and (
            user.is_superuser or (handoff.department_id in departments if handoff.department_id else bool(departments))),
        "can_answer": handoff.status == HandoffStatus.CLAIMED and permissions.can_answer(user, handoff),
        "can_assign": handoff.in_pool and handoff.status == HandoffStatus.PENDING and permissions.can_assign(user),
        "claim_form": claim_form or ClaimForm(departments=departments), "multi": len(departments) > 1,
        "feedback_form": feedback_form or FeedbackForm(), "assign_form": assign_form or AssignForm(),
        "conflict": conflict,
    }, status=status)


@staff_required
def handoff_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    return _detail(request, _handoff(request, uuid))


@require_POST
@staff_required
def handoff_claim(request: HttpRequest, uuid: Any) -> HttpResponse:
    handoff = _handoff(request, uuid)
    form = ClaimForm(request.POST, departments=permissions.acting_departments(request.user))
    if not form.is_valid():
        return _detail(request, handoff, claim_form=form, status=400)
    try:
        services.claim_handoff(actor=request.user, handoff=handoff, department=form.cleaned_data.get("department"))
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _detail(request, handoff, claim_form=form, status=400)
    except ConflictError as exc:
        return _detail(request, _handoff(request, uuid), conflict=exc.message, status=409)
    except ForbiddenError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("已认领：%(s)s。请开展监管并反馈。") % {"s": handoff.summary})
    return redirect("supervision:handoff_detail", uuid=handoff.uuid)


@require_POST
@staff_required
def handoff_feedback(request: HttpRequest, uuid: Any) -> HttpResponse:
    handoff = _handoff(request, uuid)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return _detail(request, handoff, feedback_form=form, status=400)
    d = form.cleaned_data
    try:
        services.record_feedback(actor=request.user, handoff=handoff, kind=d["kind"], text=d["text"],
                                 visit_date=d.get("visit_date"), follow_up=d.get("follow_up", ""),
                                 close=d.get("close", False))
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _detail(request, handoff, feedback_form=form, status=400)
    except ConflictError as exc:
        return _detail(request, _handoff(request, uuid), conflict=exc.message, status=409)
    except ForbiddenError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("监管反馈已提交，审批部门可在办件上看到。"))
    return redirect("supervision:handoff_detail", uuid=handoff.uuid)


@require_POST
@staff_required
def handoff_assign(request: HttpRequest, uuid: Any) -> HttpResponse:
    handoff = _handoff(request, uuid)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _detail(request, handoff, assign_form=form, status=400)
    try:
        services.assign_handoff(actor=request.user, handoff=handoff, department=form.cleaned_data["department"])
    except ConflictError as exc:
        return _detail(request, _handoff(request, uuid), conflict=exc.message, status=409)
    except ForbiddenError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("已指定 %(d)s 认领。") % {"d": form.cleaned_data["department"]})
    return redirect("supervision:handoff_detail", uuid=handoff.uuid)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@staff_required
def stats(request: HttpRequest) -> HttpResponse:
    """The bureau's view: claim rates and overdue claims per department (over what the user may see)."""
    today = clock.today()
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    handoffs = Handoff.objects.visible_to(request.user)
    if start:
        handoffs = handoffs.filter(created_at__date__gte=start)
    if end:
        handoffs = handoffs.filter(created_at__date__lte=end)
    rows = selectors.claim_stats(handoffs, today)
    overdue = list(handoffs.overdue(today).for_list().order_by("claim_due", "id")[:100])
    return render(request, "supervision/stats.html", {
        "rows": rows, "totals": selectors.totals(rows), "overdue": overdue, "today": today,
        "start": start, "end": end,
    })


@staff_required
def case_handoffs(request: HttpRequest, number: str) -> HttpResponse:
    """The bureau's view of a case's supervision (the same include the staff case page embeds)."""
    case = _case(request, number)
    return render(request, "supervision/case_handoffs.html", {"case": case})


# ---------------------------------------------------------------------------------------------
# 双告知


def _notice(request: HttpRequest, number: str) -> RegistrationNotice:
    case = get_object_or_404(Case.objects.visible_to(request.user).select_related("centre", "applicant", "item"),
                             number=number)
    notice = RegistrationNotice.objects.filter(case=case).select_related("case", "case__centre",
                                                                          "case__applicant").first()
    if notice is None:
        raise Http404(_("该办件没有双告知记录（不是登记类事项，或尚未受理）。"))
    return notice


@staff_required
def registration(request: HttpRequest, number: str) -> HttpResponse:
    notice = _notice(request, number)
    scope_form = ScopeForm(initial={"business_scope": notice.business_scope})
    promise_form = PromiseForm(initial={"signer": notice.case.applicant.legal_representative
                                        or notice.case.applicant.name})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "scope":
                scope_form = ScopeForm(request.POST)
                if scope_form.is_valid():
                    services.update_business_scope(actor=request.user, notice=notice,
                                                   business_scope=scope_form.cleaned_data["business_scope"])
                    messages.success(request, _("经营范围已更新，告知书已按双告知目录重新生成。"))
                    return redirect("supervision:registration", number=number)
            elif action == "promise":
                promise_form = PromiseForm(request.POST)
                if promise_form.is_valid():
                    services.record_promise(actor=request.user, notice=notice,
                                            signer=promise_form.cleaned_data["signer"])
                    messages.success(request, _("已记录申请人签署的承诺书。"))
                    return redirect("supervision:registration", number=number)
            else:
                raise Http404(_("没有这个操作。"))
        except ValidationError as exc:
            (scope_form if action == "scope" else promise_form).add_service_errors(exc)
        except ConflictError as exc:
            messages.error(request, exc.message)
            return redirect("supervision:registration", number=number)
        except ForbiddenError as exc:
            raise PermissionDenied(exc.message) from exc
        status = 400
    return render(request, "supervision/registration.html", {
        "notice": notice, "case": notice.case, "scope_form": scope_form, "promise_form": promise_form,
    }, status=status)


def _pdf_response(content: bytes, name: str, download: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
def registration_pdf(request: HttpRequest, number: str) -> HttpResponse:
    notice = _notice(request, number)
    return _pdf_response(notice_pdf(notice, request.build_absolute_uri("/")), f"dual-notice-{number}.pdf",
                         bool(request.GET.get("download")))


def public_notice(request: HttpRequest, code: str) -> HttpResponse:
    """The applicant's copy, reached from the SMS by the case's secret tracking code (like the tracking page)."""
    notice = RegistrationNotice.objects.filter(case__tracking_code=code).select_related(
        "case", "case__centre", "case__applicant").first()
    if notice is None:
        raise Http404(_("没有找到告知书。"))
    return _pdf_response(notice_pdf(notice, request.build_absolute_uri("/")), f"dual-notice-{notice.case.number}.pdf",
                         False)


"""Rating screens: the star form for a case (from the tracking page or the SMS invitation) and for a hall
visit (from the ticket's QR code); the staff dashboard; the follow-up list and page with its actions.

The UI shows stars and maps to the national level at this edge (5 stars = 1 非常满意)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from onewindow.cases.models import Case
from onewindow.core import clock
from onewindow.core.errors import DomainError
from onewindow.hall.models import Ticket
from onewindow.hall.views_staff import _nav, staff_only
from onewindow.hall.web import error_messages, status_for
from onewindow.org.models import ServiceCentre, StaffRole

from . import permissions, services
from .choices import (
    BAD_REASONS,
    CLOSED_FOLLOW_UP,
    STAR_CHOICES,
    Channel,
    Finding,
    FollowUpStatus,
    Stage,
    level_of_stars,
)
from .models import FollowUp, Rating
from .selectors import satisfaction_summary


def _level_from_post(request: HttpRequest) -> int:
    try:
        stars = int(request.POST.get("stars", ""))
        return level_of_stars(stars)
    except ValueError:
        return 0


def _channel(request: HttpRequest, default: str) -> str:
    value = request.POST.get("channel", default)
    return value if value in (Channel.PC, Channel.MOBILE, Channel.QR, Channel.SMS) else default


def _form_context(request: HttpRequest) -> dict[str, Any]:
    return {"stars": request.POST.get("stars", ""), "comment": request.POST.get("comment", ""),
            "chosen_reasons": request.POST.getlist("reasons")}


@never_cache
@require_http_methods(["GET", "POST"])
def rate_case(request: HttpRequest, tracking_code: str) -> HttpResponse:
    case = Case.objects.select_related("item").filter(tracking_code=tracking_code).first() if len(tracking_code) <= 32 else None
    if case is None:
        return render(request, "ratings/not_found.html", status=404)
    errors: list[tuple[str, str]] = []
    status = 200
    if request.method == "POST":
        stage = request.POST.get("stage") or None
        try:
            services.rate_case(actor=request.user, case=case, stage=stage, level=_level_from_post(request),
                               channel=_channel(request, Channel.PC), comment=request.POST.get("comment", ""),
                               reasons=request.POST.getlist("reasons"))
        except (ValidationError, DomainError) as exc:
            errors = error_messages(exc)
            status = status_for(exc)
        else:
            messages.success(request, _("感谢您的评价！"))
            return redirect("ratings:rate_case", tracking_code=case.tracking_code)
    given = {r.stage: r for r in Rating.objects.filter(case=case)}
    stages = [{"code": s, "label": Stage(s).label, "rating": given.get(s)} for s in services.case_stages_open(case)]
    # Completion first: that is what the invitation SMS asks about; acceptance can be rated after it.
    pending = [s for s in reversed(stages) if s["rating"] is None]
    return render(request, "ratings/rate_case.html", {
        "case": case, "stages": stages, "pending": pending, "errors": errors, "star_choices": STAR_CHOICES,
        "reasons": BAD_REASONS, **_form_context(request)}, status=status)


@require_POST
def rate_ticket(request: HttpRequest, token: str) -> HttpResponse:
    ticket = get_object_or_404(Ticket, token=token[:32])
    try:
        services.rate_ticket(actor=request.user, ticket=ticket, level=_level_from_post(request),
                             channel=_channel(request, Channel.QR), comment=request.POST.get("comment", ""),
                             reasons=request.POST.getlist("reasons"))
    except (ValidationError, DomainError) as exc:
        from onewindow.hall.views_public import _ticket_context

        context = _ticket_context(request, ticket) | {"errors": error_messages(exc), **_form_context(request)}
        return render(request, "hall/ticket.html", context, status=status_for(exc))
    messages.success(request, _("感谢您的评价！"))
    return redirect("hall:ticket", token=ticket.token)


# ---------------------------------------------------------------------------------------------
# Staff: dashboard and follow-ups


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    today = clock.today()
    try:
        end = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = end - dt.timedelta(days=29)
    return (start, end) if start <= end else (end, start)


@staff_only
@never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    ids = permissions.dashboard_centre_ids(request.user)
    if ids is not None and not ids:
        return render(request, "hall/forbidden.html", _nav(request) | {"message": _("好差评统计仅限大厅管理员和领导查看。")},
                      status=403)
    centres = ServiceCentre.objects.active() if ids is None else ServiceCentre.objects.filter(pk__in=ids)
    chosen = centres.filter(code=request.GET.get("centre", "")).first()
    start, end = _period(request)
    summary = satisfaction_summary([chosen.pk] if chosen else ids, start, end)
    recent_bad = (Rating.objects.filter(level__in=[4, 5], created_at__date__gte=start, created_at__date__lte=end)
                  .select_related("follow_up", "item", "centre").order_by("-created_at"))
    if chosen:
        recent_bad = recent_bad.filter(centre=chosen)
    elif ids is not None:
        recent_bad = recent_bad.filter(centre_id__in=ids)
    return render(request, "ratings/dashboard.html", _nav(request) | {
        "s": summary, "centres": centres, "chosen": chosen, "start": start, "end": end, "recent_bad": recent_bad[:20]})


@staff_only
@never_cache
def follow_ups(request: HttpRequest) -> HttpResponse:
    qs = (FollowUp.objects.filter(permissions.follow_up_filter(request.user))
          .select_related("rating", "rating__item", "rating__case", "handler", "centre").order_by("status", "deadline"))
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.exclude(status__in=list(CLOSED_FOLLOW_UP))
    elif state == "overdue":
        qs = qs.exclude(status__in=list(CLOSED_FOLLOW_UP)).filter(deadline__lt=clock.today())
    elif state == "mine":
        qs = qs.filter(handler=request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "ratings/follow_ups.html", _nav(request) | {"page": page, "state": state,
                                                                      "today": clock.today()})


def _visible_follow_up(request: HttpRequest, pk: int) -> FollowUp:
    fu = (FollowUp.objects.filter(permissions.follow_up_filter(request.user))
          .select_related("rating", "rating__case", "rating__ticket", "rating__item", "rating__staff", "handler", "centre")
          .filter(pk=pk).first())
    if fu is None:
        raise Http404
    return fu


@staff_only
@never_cache
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    fu = _visible_follow_up(request, pk)
    user = request.user
    manager = permissions.manages(user, fu.centre_id)
    staff_ids = StaffRole.objects.filter(centre_id=fu.centre_id).values_list("user_id", flat=True)
    handlers = get_user_model().objects.filter(pk__in=staff_ids, is_active=True).order_by("username") if manager else []
    return render(request, "ratings/follow_up.html", _nav(request) | {
        "fu": fu, "events": fu.events.all(), "can_handle": permissions.can_handle(user, fu), "manager": manager,
        "is_rated_staff": fu.rating.staff_id == user.pk, "handlers": handlers, "findings": Finding.choices,
        "today": clock.today(), "Status": FollowUpStatus,
        "reasons": dict(BAD_REASONS)})


@staff_only
@require_POST
def follow_up_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    fu = _visible_follow_up(request, pk)
    note = request.POST.get("note", "")
    try:
        version = int(request.POST.get("version", "")) if request.POST.get("version") else None
    except ValueError:
        version = None
    common = {"actor": request.user, "follow_up": fu, "expected_version": version}
    try:
        if action == "assign":
            handler = get_user_model().objects.filter(pk=request.POST.get("handler") or 0).first()
            services.assign_handler(handler=handler, **common)
        elif action == "callback":
            services.record_callback(note=note, reached=request.POST.get("reached", "1") == "1", **common)
        elif action == "verify":
            services.verify(finding=request.POST.get("finding", ""), note=note, **common)
        elif action == "rectify":
            services.rectify(note=note, **common)
        elif action == "explain":
            services.explain(note=note, **common)
        elif action == "appeal":
            services.appeal(reason=request.POST.get("reason", ""), **common)
        elif action == "decide_appeal":
            services.decide_appeal(upheld=request.POST.get("upheld") == "1", note=note, **common)
        else:
            raise Http404
    except (ValidationError, DomainError) as exc:
        messages.error(request, "；".join(m for _f, m in error_messages(exc)))
    else:
        messages.success(request, _("已保存。"))
    return redirect("ratings:follow_up", pk=fu.pk)


"""Staff hall screens: the window console (calling, serving, transfers; keyboard-driven), the window tablet
for ratings, and the hall statistics for managers.

Views are thin: they read the form, call a service (which locks and re-checks who may act), and show the
service's message on the same page. Actions are POST + redirect, so a reload never repeats one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from onewindow.core import clock
from onewindow.core.errors import DomainError
from onewindow.org.models import ServiceCentre

from . import permissions, services
from .choices import Priority, TicketStatus
from .models import HallWindow, QueueCategory, Ticket
from .selectors import centre_windows, hall_stats, no_shows_today, window_queue
from .web import error_messages


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (request.user.is_staff or request.user.is_superuser):
            return render(request, "hall/forbidden.html", {"message": _("此页面仅限工作人员使用。")}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _nav(request: HttpRequest) -> dict[str, Any]:
    from onewindow.ratings.permissions import dashboard_centre_ids

    centres = dashboard_centre_ids(request.user)
    return {"hall_nav": {"stats": bool(permissions.stats_centres(request.user)),
                         "ratings": centres is None or bool(centres)}}


def _held_window(user: Any) -> HallWindow | None:
    return (HallWindow.objects.filter(holder=user).select_related("window", "window__centre", "current_ticket",
                                                                 "current_ticket__category").first())


def _todays_cases(user: Any, hw: HallWindow) -> list[Any]:
    """Cases this clerk received today: the likely ones to link to the ticket being served."""
    from onewindow.cases.models import Case

    today = clock.today()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return list(Case.objects.visible_to(user).filter(clerk=user, received_at__gte=start).select_related("item")
                .order_by("-received_at")[:12])


@staff_only
@never_cache
def window_console(request: HttpRequest) -> HttpResponse:
    hw = _held_window(request.user)
    if hw is None:
        centres = permissions.hall_centres(request.user)
        blocks = [{"centre": c, "windows": centre_windows(c)} for c in centres]
        return render(request, "hall/window_pick.html", _nav(request) | {"blocks": blocks})
    return render(request, "hall/window.html", _nav(request) | _console_context(request, hw))


def _console_context(request: HttpRequest, hw: HallWindow) -> dict[str, Any]:
    current = hw.current_ticket
    if current is not None and current.status not in (TicketStatus.CALLED, TicketStatus.SERVING):
        current = None
    centre = hw.window.centre
    others = [w for w in centre_windows(centre) if w.pk != hw.pk]
    served = set(services.served_category_ids(hw))
    categories = list(QueueCategory.objects.filter(centre=centre, is_active=True).order_by("order", "prefix"))
    now = clock.now()
    queue = window_queue(hw)
    for ticket in queue:
        ticket.waited_min = int((now - ticket.issued_at).total_seconds() // 60)  # type: ignore[attr-defined]
    return {
        "hw": hw, "current": current, "queue": queue, "no_shows": no_shows_today(hw), "other_windows": others,
        "categories": categories, "served_categories": [c for c in categories if c.pk in served],
        "recent_cases": _todays_cases(request.user, hw) if current else [],
        "waited": int((now - current.issued_at).total_seconds() // 60) if current else 0,
        "priority_labels": dict(Priority.choices), "manager": permissions.manages(request.user, centre),
    }


@staff_only
@never_cache
def window_queue_part(request: HttpRequest, pk: int) -> HttpResponse:
    hw = _held_window(request.user)
    if hw is None or hw.pk != pk:
        return HttpResponse(status=204)
    return render(request, "hall/_window_queue.html", _console_context(request, hw))


@staff_only
@require_POST
def window_take(request: HttpRequest, pk: int) -> HttpResponse:
    hw = get_object_or_404(HallWindow, pk=pk)
    try:
        services.take_window(actor=request.user, window=hw)
    except (ValidationError, DomainError) as exc:
        messages.error(request, error_messages(exc)[0][1])
    return redirect("hall:window")


@staff_only
@require_POST
def window_release(request: HttpRequest, pk: int) -> HttpResponse:
    hw = get_object_or_404(HallWindow, pk=pk)
    try:
        services.release_window(actor=request.user, window=hw, reason=request.POST.get("reason", ""))
    except (ValidationError, DomainError) as exc:
        messages.error(request, error_messages(exc)[0][1])
    else:
        messages.success(request, _("%(w)s 已释放。") % {"w": hw.label})
    return redirect("hall:window")


def _ticket_of(request: HttpRequest, hw: HallWindow) -> Ticket | None:
    pk = request.POST.get("ticket", "")
    if not pk:
        return None
    try:
        return Ticket.objects.get(pk=int(pk), centre_id=hw.window.centre_id)
    except (ValueError, Ticket.DoesNotExist) as exc:
        raise ValidationError({"ticket": [_("号码不存在。")]}) from exc


def _act(request: HttpRequest, hw: HallWindow, action: str) -> str:
    """Run one console action; returns the message to show."""
    user = request.user
    reason = request.POST.get("reason", "")
    if action == "next":
        ticket = services.call_next(actor=user, window=hw)
        return _("已呼叫 %(c)s") % {"c": ticket.code} if ticket else _("当前没有等候的号。")
    if action == "call":
        ticket = _ticket_of(request, hw)
        if ticket is None:
            raise ValidationError({"ticket": [_("请选择号码。")]})
        return _("已呼叫 %(c)s") % {"c": services.call_ticket(actor=user, window=hw, ticket=ticket, reason=reason).code}
    if action == "recall":
        return _("已重呼 %(c)s") % {"c": services.recall(actor=user, window=hw).code}
    if action == "start":
        return _("%(c)s 开始办理") % {"c": services.start_service(actor=user, window=hw).code}
    if action == "no_show":
        return _("%(c)s 已过号") % {"c": services.mark_no_show(actor=user, window=hw).code}
    if action == "finish":
        numbers = request.POST.getlist("case") + [n for n in request.POST.get("case_numbers", "").replace("，", ",")
                                                  .replace(" ", ",").split(",") if n.strip()]
        ticket = services.finish_service(actor=user, window=hw, cases=list(dict.fromkeys(numbers)))
        linked = ticket.cases.count()
        return _("%(c)s 已办结，关联办件 %(n)d 件") % {"c": ticket.code, "n": linked}
    if action == "transfer":
        target = request.POST.get("target", "")
        kind, _sep, value = target.partition(":")
        to_window = to_category = None
        if kind == "w":
            to_window = HallWindow.objects.filter(pk=value or 0, window__centre_id=hw.window.centre_id).first()
        elif kind == "c":
            to_category = QueueCategory.objects.filter(pk=value or 0, centre_id=hw.window.centre_id).first()
        ticket = services.transfer_ticket(actor=user, window=hw, ticket=_ticket_of(request, hw), to_window=to_window,
                                          to_category=to_category, reason=reason)
        return _("%(c)s 已转移") % {"c": ticket.code}
    if action == "skip":
        ticket = _ticket_of(request, hw) or hw.current_ticket
        if ticket is None:
            raise ValidationError({"ticket": [_("请选择号码。")]})
        return _("%(c)s 已顺延") % {"c": services.skip_ticket(actor=user, ticket=ticket, reason=reason, window=hw).code}
    if action == "top":
        ticket = _ticket_of(request, hw)
        if ticket is None:
            raise ValidationError({"ticket": [_("请选择号码。")]})
        return _("%(c)s 已置顶") % {"c": services.move_to_top(actor=user, ticket=ticket, reason=reason, window=hw).code}
    if action == "leave":
        services.leave_window(actor=user, window=hw)
        return _("已离开 %(w)s") % {"w": hw.label}
    raise Http404


@staff_only
@require_POST
def window_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    hw = get_object_or_404(HallWindow.objects.select_related("window"), pk=pk)
    try:
        message = _act(request, hw, action)
    except (ValidationError, DomainError) as exc:
        messages.error(request, "；".join(m for _f, m in error_messages(exc)))
    else:
        messages.success(request, message)
    return redirect("hall:window")


# ---------------------------------------------------------------------------------------------
# Window tablet (窗口评价器)


def _tablet_ticket(hw: HallWindow) -> Ticket | None:
    """The ticket to rate: the last one finished at this window in the past 15 minutes, not yet rated."""
    from onewindow.ratings.models import Rating

    since = clock.now() - dt.timedelta(minutes=15)
    ticket = (Ticket.objects.filter(window=hw, status=TicketStatus.DONE, finished_at__gte=since)
              .order_by("-finished_at").first())
    if ticket is None or Rating.objects.filter(ticket=ticket).exists():
        return None
    return ticket


def _tablet_window(request: HttpRequest, pk: int) -> HallWindow:
    hw = get_object_or_404(HallWindow.objects.select_related("window", "window__centre"), pk=pk)
    if not permissions.works_in(request.user, hw.window.centre_id):
        raise Http404
    return hw


@staff_only
@never_cache
def tablet(request: HttpRequest, pk: int) -> HttpResponse:
    hw = _tablet_window(request, pk)
    from onewindow.ratings.choices import BAD_REASONS, Channel
    from onewindow.ratings.services import rate_ticket

    thanks = False
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        ticket = _tablet_ticket(hw)
        try:
            if ticket is None or str(ticket.pk) != request.POST.get("ticket"):
                raise ValidationError({"ticket": [_("没有待评价的服务。")]})
            from onewindow.ratings.choices import level_of_stars

            stars = int(request.POST.get("stars", "0") or 0)
            rate_ticket(actor=None, ticket=ticket, level=level_of_stars(stars) if 1 <= stars <= 5 else 0,
                        channel=Channel.TABLET, comment=request.POST.get("comment", ""),
                        reasons=request.POST.getlist("reasons"))
        except (ValidationError, DomainError) as exc:
            errors = error_messages(exc)
        else:
            thanks = True
    return render(request, "hall/tablet.html", {"hw": hw, "ticket": None if thanks else _tablet_ticket(hw),
                                                "thanks": thanks, "errors": errors, "reasons": BAD_REASONS})


@staff_only
@never_cache
def tablet_state(request: HttpRequest, pk: int) -> HttpResponse:
    hw = _tablet_window(request, pk)
    ticket = _tablet_ticket(hw)
    shown = request.GET.get("shown", "")
    if str(ticket.pk if ticket else "") == shown:
        return HttpResponse(status=204)
    response = HttpResponse(status=200)
    response["HX-Refresh"] = "true"  # a new ticket to rate (or none any more): reload the tablet page
    return response


# ---------------------------------------------------------------------------------------------
# Statistics


def _date(value: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return default


@staff_only
@never_cache
def stats(request: HttpRequest) -> HttpResponse:
    centres = permissions.stats_centres(request.user)
    if not centres:
        return render(request, "hall/forbidden.html", _nav(request) | {"message": _("大厅统计仅限大厅管理员和领导查看。")},
                      status=403)
    today = clock.today()
    end = _date(request.GET.get("end", ""), today)
    start = _date(request.GET.get("start", ""), end - dt.timedelta(days=6))
    if start > end:
        start, end = end, start
    if (end - start).days > 366:
        start = end - dt.timedelta(days=366)
    chosen: ServiceCentre | None = next((c for c in centres if c.code == request.GET.get("centre")), None)
    ids = [chosen.pk] if chosen else [c.pk for c in centres]
    figures = hall_stats(ids, start, end)
    return render(request, "hall/stats.html", _nav(request) | {
        "centres": centres, "chosen": chosen, "start": start, "end": end, "s": figures})

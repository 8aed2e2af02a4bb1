"""Public hall screens: the ticket kiosk, the display board, the ticket page behind the QR code, the weekend
(无休日) schedule, and online booking. Kiosk and board are touch and distance screens: 60 px targets and
more, large type, no pop-ups; a kiosk always issues a walk-in ticket, booked or not."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from onewindow.catalog.models import ServiceItem
from onewindow.core import clock
from onewindow.core.errors import DomainError
from onewindow.org.choices import CentreLevel
from onewindow.org.models import ServiceCentre

from . import permissions, services
from .calendar import upcoming_weekend_days
from .choices import AppointmentStatus, TicketStatus
from .models import Appointment, Call, HallConfig, QueueCategory, Ticket
from .selectors import board_state
from .web import absolute, error_messages, field_errors, qr_svg, status_for


def _centre(code: str) -> ServiceCentre:
    return get_object_or_404(ServiceCentre.objects.active(), code=code)


def _categories(centre: ServiceCentre) -> list[QueueCategory]:
    return list(QueueCategory.objects.filter(centre=centre, is_active=True).order_by("order", "prefix"))


def index(request: HttpRequest) -> HttpResponse:
    """Centres with a hall: links to booking, the weekend schedule, and (for staff) kiosk and board."""
    centres = ServiceCentre.objects.active().filter(queue_categories__is_active=True).distinct()
    return render(request, "hall/index.html", {"centres": centres})


# ---------------------------------------------------------------------------------------------
# Kiosk


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, centre: str) -> HttpResponse:
    place = _centre(centre)
    categories = _categories(place)
    errors: list[tuple[str, str]] = []
    values = {"cert_number": "", "phone": "", "needs_priority": False}
    status = 200
    if request.method == "POST":
        values = {"cert_number": request.POST.get("cert_number", "")[:30], "phone": request.POST.get("phone", "")[:20],
                  "needs_priority": request.POST.get("needs_priority") == "1"}
        category = next((c for c in categories if str(c.pk) == request.POST.get("category", "")), None)
        try:
            if category is None:
                raise ValidationError({"category": [_("请选择办理业务。")]})
            ticket = services.issue_ticket(actor=request.user, category=category, **values)
        except (ValidationError, DomainError) as exc:
            errors = error_messages(exc)
            status = status_for(exc)
        else:
            return redirect("hall:kiosk_ticket", centre=place.code, token=ticket.token)
    return render(request, "hall/kiosk.html", {"centre": place, "categories": categories, "errors": errors,
                                               "values": values}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk_checkin(request: HttpRequest, centre: str) -> HttpResponse:
    place = _centre(centre)
    errors: list[tuple[str, str]] = []
    code = ""
    status = 200
    if request.method == "POST":
        code = "".join(request.POST.get("code", "").split())[:12]
        try:
            ticket = services.check_in(actor=request.user, centre=place, code=code)
        except (ValidationError, DomainError) as exc:
            errors = error_messages(exc)
            status = status_for(exc)
        else:
            return redirect("hall:kiosk_ticket", centre=place.code, token=ticket.token)
    return render(request, "hall/kiosk_checkin.html", {"centre": place, "errors": errors, "code": code,
                                                       "keys": "123456789"}, status=status)


@never_cache
def kiosk_ticket(request: HttpRequest, centre: str, token: str) -> HttpResponse:
    place = _centre(centre)
    ticket = get_object_or_404(Ticket.objects.select_related("category"), token=token, centre=place)
    url = absolute(request, reverse("hall:ticket", args=[ticket.token]))
    return render(request, "hall/kiosk_ticket.html", {
        "centre": place, "ticket": ticket, "estimate": services.estimate_wait(ticket), "qr": qr_svg(url),
        "url": url})


# ---------------------------------------------------------------------------------------------
# Display board


@never_cache
def board(request: HttpRequest, centre: str) -> HttpResponse:
    place = _centre(centre)
    config = HallConfig.objects.filter(centre=place).first()
    return render(request, "hall/board.html", {"centre": place, "state": board_state(place), "config": config,
                                               "poll_ms": settings.ONEWINDOW_HALL_BOARD_POLL_MS})


@never_cache
def board_feed(request: HttpRequest, centre: str) -> HttpResponse:
    """Polled every ~700 ms: 204 (nothing to swap) unless a call newer than `after` exists."""
    place = _centre(centre)
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    part = request.GET.get("part", "calls")
    if part == "calls" and not Call.objects.filter(centre=place, id__gt=after).exists():
        return HttpResponse(status=204)
    template = "hall/_board_waiting.html" if part == "waiting" else "hall/_board_calls.html"
    return render(request, template, {"centre": place, "state": board_state(place)})


# ---------------------------------------------------------------------------------------------
# The ticket page behind the QR code (tracking and rating)


def _ticket_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    from onewindow.ratings.choices import BAD_REASONS, STAR_CHOICES
    from onewindow.ratings.models import Rating

    rating = Rating.objects.filter(ticket=ticket).first()
    return {"star_choices": STAR_CHOICES, "reasons": BAD_REASONS, "ticket": ticket, "estimate": services.estimate_wait(ticket), "rating": rating,
            "can_rate": ticket.status == TicketStatus.DONE and rating is None,
            "final": ticket.status in (TicketStatus.DONE, TicketStatus.CLOSED) and rating is not None
            or ticket.status == TicketStatus.CLOSED,
            "cases": list(ticket.cases.select_related("item")) if ticket.status == TicketStatus.DONE else []}


def _ticket(token: str) -> Ticket:
    if len(token) > 32:
        raise Http404
    return get_object_or_404(Ticket.objects.select_related("category", "centre", "window__window"), token=token)


@never_cache
def ticket(request: HttpRequest, token: str) -> HttpResponse:
    return render(request, "hall/ticket.html", _ticket_context(request, _ticket(token)))


@never_cache
def ticket_status(request: HttpRequest, token: str) -> HttpResponse:
    context = _ticket_context(request, _ticket(token))
    response = render(request, "hall/_ticket_status.html", context)
    if context["can_rate"] or context["final"]:
        response["HX-Refresh"] = "true"  # done: reload the page so the rating form (or the result) shows
    return response


# ---------------------------------------------------------------------------------------------
# Weekend (无休日) schedule


def _weekend_items(centre: ServiceCentre) -> list[ServiceItem]:
    items = ServiceItem.objects.published().filter(weekend_service=True).select_related("department")
    if centre.level != CentreLevel.COUNTY:
        accepted = Q(pk__in=centre.accepted_items.values("pk"))
        items = items.filter(Q(county_wide=True) | accepted) if centre.accepts_county_wide else items.filter(accepted)
    return list(items.order_by("department__order", "name"))


def _weekend_block(centre: ServiceCentre) -> dict[str, Any]:
    config = HallConfig.objects.filter(centre=centre).first()
    today = clock.today()
    days = []
    for day, state in upcoming_weekend_days(centre, today):
        kind, _sep, name = state.partition(":")
        days.append({"day": day, "kind": kind, "name": name})
    return {"centre": centre, "items": _weekend_items(centre), "config": config, "days": days}


def weekend(request: HttpRequest, centre: str) -> HttpResponse:
    place = _centre(centre)
    return render(request, "hall/weekend.html", {"blocks": [_weekend_block(place)], "single": place})


def weekend_all(request: HttpRequest) -> HttpResponse:
    centres = ServiceCentre.objects.active().filter(weekend_service=True).order_by("region_code", "code")
    return render(request, "hall/weekend.html", {"blocks": [_weekend_block(c) for c in centres], "single": None})


# ---------------------------------------------------------------------------------------------
# Booking


def book(request: HttpRequest) -> HttpResponse:
    """Step 1: the item (grouped by centre). Items that are bookable: mapped to a category, supporting it."""
    centres = ServiceCentre.objects.active().filter(queue_categories__is_active=True).distinct().prefetch_related(
        Prefetch("queue_categories", queryset=QueueCategory.objects.filter(is_active=True).prefetch_related(
            Prefetch("items", queryset=ServiceItem.objects.published().filter(supports_appointment=True)))))
    blocks = []
    for centre in centres:
        seen: dict[int, ServiceItem] = {}
        for category in centre.queue_categories.all():
            for item in category.items.all():
                seen.setdefault(item.pk, item)
        if seen:
            blocks.append({"centre": centre, "items": sorted(seen.values(), key=lambda i: i.name)})
    return render(request, "hall/book.html", {"blocks": blocks})


def _login_redirect(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('cases:applicant_login')}?{urlencode({'next': request.get_full_path()})}")


@never_cache
@require_http_methods(["GET", "POST"])
def book_slot(request: HttpRequest, centre: str, item: int) -> HttpResponse:
    """Step 2: a slot and who is coming; then the confirmation page. Staff of the centre book for applicants."""
    from onewindow.cases.auth import applicant_phone, is_applicant

    place = _centre(centre)
    chosen_item = get_object_or_404(ServiceItem.objects.published(), pk=item)
    staff = permissions.works_in(request.user, place)
    if not staff and not is_applicant(request.user):
        return _login_redirect(request)
    categories = services.categories_for_item(place, chosen_item)
    if not categories or not chosen_item.supports_appointment:
        return render(request, "hall/book_unavailable.html", {"centre": place, "item": chosen_item}, status=404)
    category = categories[0]
    days = services.open_slots(category)
    values = {"slot": "", "name": "" if staff else request.user.first_name, "cert_number": "",
              "phone": "" if staff else applicant_phone(request.user)}
    errors: dict[str, list[str]] = {}
    summary: list[tuple[str, str]] = []
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip()[:40] for k in values}
        slot = next((s for _d, slots in days for s in slots if str(s.pk) == values["slot"]), None)
        try:
            if slot is None:
                raise ValidationError({"slot": [_("请选择预约时段。")]})
            appointment = services.book_appointment(
                actor=request.user, slot=slot, item=chosen_item, name=values["name"], cert_number=values["cert_number"],
                phone=values["phone"])
        except (ValidationError, DomainError) as exc:
            errors = field_errors(exc)
            summary = error_messages(exc)
            status = status_for(exc)
            days = services.open_slots(category)
        else:
            return redirect("hall:appointment", code=appointment.code)
    return render(request, "hall/book_slot.html", {
        "centre": place, "item": chosen_item, "category": category, "days": days, "values": values,
        "errors": errors, "summary": summary, "staff": staff}, status=status)


def _visible_appointment(request: HttpRequest, code: str) -> Appointment:
    appt = get_object_or_404(Appointment.objects.select_related("slot", "centre", "item", "category"),
                             code=code[:12])
    owner = request.user.is_authenticated and appt.user_id == request.user.pk
    if not (owner or permissions.works_in(request.user, appt.centre_id)):
        raise Http404
    return appt


@never_cache
def appointment(request: HttpRequest, code: str) -> HttpResponse:
    appt = _visible_appointment(request, code)
    return render(request, "hall/appointment.html", {
        "appt": appt, "qr": qr_svg(appt.code, 150), "can_cancel": appt.status == AppointmentStatus.BOOKED,
        "staff": permissions.works_in(request.user, appt.centre_id),
        "cancel_hours": settings.ONEWINDOW_HALL_CANCEL_MIN_HOURS})


@require_http_methods(["POST"])
def appointment_cancel(request: HttpRequest, code: str) -> HttpResponse:
    from django.contrib import messages

    appt = _visible_appointment(request, code)
    try:
        services.cancel_appointment(actor=request.user, appointment=appt, reason=request.POST.get("reason", ""))
    except (ValidationError, DomainError) as exc:
        messages.error(request, error_messages(exc)[0][1])
    else:
        messages.success(request, _("预约已取消，该时段已释放给其他人。"))
    return redirect("hall:appointment", code=appt.code)


@never_cache
def my_appointments(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login_redirect(request)
    rows = Appointment.objects.filter(user=request.user).select_related("slot", "centre", "item").order_by("-day")
    return render(request, "hall/my_appointments.html", {"rows": rows[:50]})

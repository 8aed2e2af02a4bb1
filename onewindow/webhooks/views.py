"""Staff screens of delivery: in-app messages (everyone), and for administrators the subscribers with their
delivery log, and the dead messages with a resend button."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from onewindow.core.errors import ConflictError
from onewindow.outbox.models import OutboxMessage, OutboxStatus

from . import selectors, services
from .models import DeliveryAttempt, Message, Subscriber


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    @login_required
    def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
        if not (request.user.is_staff or request.user.is_superuser):
            raise PermissionDenied("此页面仅限工作人员使用。")
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    @staff_required
    def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
        if not selectors.is_delivery_admin(request.user):
            raise PermissionDenied("仅系统管理员可以管理对外推送。")
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
def message_list(request: Any) -> Any:
    rows = list(Message.objects.filter(recipient=request.user)[:200])
    return render(request, "webhooks/messages.html", {
        "rows": rows, "unread": Message.objects.filter(recipient=request.user).unread().count(),
    })


@require_POST
@staff_required
def message_read(request: Any) -> Any:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    services.mark_read(actor=request.user, message_ids=ids)
    return redirect("webhooks:messages")


@admin_required
def subscriber_list(request: Any) -> Any:
    return render(request, "webhooks/subscribers.html", {
        "rows": selectors.subscriber_rows(), "dead": selectors.dead_message_count(),
    })


@admin_required
def subscriber_detail(request: Any, uuid: Any) -> Any:
    subscriber = get_object_or_404(Subscriber, uuid=uuid)
    attempts = list(DeliveryAttempt.objects.filter(subscriber=subscriber).select_related("message")[:200])
    waiting = list(selectors.subscriber_messages(subscriber).exclude(status=OutboxStatus.SENT)
                   .order_by("available_at")[:100])
    return render(request, "webhooks/subscriber_detail.html", {
        "s": subscriber, "attempts": attempts, "waiting": waiting,
    })


@admin_required
def dead_list(request: Any) -> Any:
    rows = list(selectors.dead_messages().order_by("-created_at")[:200])
    return render(request, "webhooks/dead.html", {"rows": rows})


@require_POST
@admin_required
def resend(request: Any, pk: int) -> Any:
    message = get_object_or_404(OutboxMessage, pk=pk)
    try:
        services.resend(actor=request.user, message=message)
    except ConflictError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, f"消息 #{message.pk} 已重新排队发送（幂等键不变，接收方可去重）。")
    return redirect(request.POST.get("next") or "webhooks:dead")

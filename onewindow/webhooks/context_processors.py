"""A visible alert for administrators when outbound messages are dead (retries exhausted)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def delivery_alerts(request: HttpRequest) -> dict[str, Any]:
    """For staff pages: `inapp_unread` (the user's unread in-app messages) and, for system administrators
    only, `delivery_alert` (the number of dead outbox messages). Anonymous and applicant pages pay nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {}
    from .models import Message
    from .selectors import dead_message_count, is_delivery_admin

    context: dict[str, Any] = {"inapp_unread": Message.objects.filter(recipient=user).unread().count()}
    if is_delivery_admin(user):
        count = dead_message_count()
        if count:
            context["delivery_alert"] = count
    return context

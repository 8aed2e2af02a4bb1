from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    """Platform name, elder mode and font scale for every page; calendar warnings for administrators."""
    elder = request.COOKIES.get("elder") == "1"
    try:
        scale = int(request.COOKIES.get("fontscale", "100"))
    except ValueError:
        scale = 100
    scale = max(80, min(scale, 200))
    context: dict[str, Any] = {
        "platform_name": settings.ONEWINDOW_PLATFORM_NAME,
        "elder_mode": elder,
        "font_scale": scale,
        # The Content-Security-Policy nonce of this response (django-csp): inline <script>/<style> carry it;
        # django-htmx's {% htmx_script %} reads it under this name too.
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        from onewindow.workdays.selectors import calendar_warnings

        context["calendar_warnings"] = calendar_warnings()
    return context

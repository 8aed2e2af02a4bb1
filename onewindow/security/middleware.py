"""Per request, for a logged-in user: the session ends after ONEWINDOW_SESSION_IDLE_MINUTES without a request;
a staff session that has not passed the second factor is refused (a password alone never reaches a staff
screen or the API); a staff member whose password has expired is sent to change it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from onewindow.org.roles import remember_roles_for_request

from .services import needs_second_factor

LAST_SEEN = "sec_last_seen"
PASSWORD_EXPIRED = "sec_password_expired"
# Writing the session on every request would cost a database write each time; a minute's precision is plenty.
TOUCH_EVERY_SECONDS = 60
OPEN_PATHS = ("/accounts/", "/static/", "/i18n/", "/healthz", "/admin/login/", "/admin/logout/")


def _refuse(request: HttpRequest, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "not_authenticated"}, status=401)
    messages.warning(request, message)
    return redirect(f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}")


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            remember_roles_for_request(user)
            now = time.time()
            last = request.session.get(LAST_SEEN)
            idle = settings.ONEWINDOW_SESSION_IDLE_MINUTES * 60
            if idle > 0 and isinstance(last, int | float) and now - last > idle:
                logout(request)
                return _refuse(request, _("长时间未操作，已自动退出，请重新登录。"))
            if not isinstance(last, int | float) or now - last > TOUCH_EVERY_SECONDS:
                request.session[LAST_SEEN] = now
            if needs_second_factor(user) and not request.path.startswith(OPEN_PATHS):
                if not user.is_verified():
                    logout(request)
                    return _refuse(request, _("请使用密码和动态口令登录。"))
                # Checked once at login (views.complete_login), kept in the session: no query per request.
                if request.session.get(PASSWORD_EXPIRED):
                    return redirect("security:password_change")
        return self.get_response(request)

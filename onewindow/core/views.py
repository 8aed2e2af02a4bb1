from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the app and the database answer; 503 otherwise (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def error_404(request: HttpRequest, exception: Exception | None = None):  # type: ignore[no-untyped-def]
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest):  # type: ignore[no-untyped-def]
    return render(request, "errors/500.html", status=500)


def error_400(request: HttpRequest, exception: Exception | None = None):  # type: ignore[no-untyped-def]
    return render(request, "errors/400.html", status=400)


def error_403(request: HttpRequest, exception: Exception | None = None):  # type: ignore[no-untyped-def]
    return render(request, "errors/403.html", status=403)

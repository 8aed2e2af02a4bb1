"""Baselines for the HTTP benchmarks (bench/http.py, bench/intake.py), served by the same app on the same server.

Both answer 404 unless settings.ONEWINDOW_BENCH is on, which only `make bench` sets on the server it starts:
production never exposes them. They pass through the whole middleware stack like every other page, so a
benchmark's ratio (real page ÷ baseline) measures what the page itself costs, not Django's or the server's
fixed overhead.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_POST

from onewindow.audit.models import AuditEvent


def _enabled() -> None:
    if not getattr(settings, "ONEWINDOW_BENCH", False):
        raise Http404


@require_GET
def noop(request: HttpRequest) -> HttpResponse:
    """The cheapest page the app can serve: no database, no template."""
    _enabled()
    return HttpResponse(b"ok", content_type="text/plain")


@require_POST
def one_insert(request: HttpRequest) -> HttpResponse:
    """The cheapest write: one INSERT (a plain audit row, no hash or signal) in one transaction. CSRF applies as
    on the real API, so the client sends the same cookie and header it sends to /api/v1/cases/."""
    _enabled()
    with transaction.atomic():
        AuditEvent.objects.create(action="bench_insert", object_type="bench", object_id="0", summary="baseline")
    return HttpResponse(b"ok", content_type="text/plain", status=201)

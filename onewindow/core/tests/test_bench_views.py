"""The bench-only baseline URLs exist only when ONEWINDOW_BENCH is on (only `make bench` turns it on)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from onewindow.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_bench_urls_are_not_found_when_the_setting_is_off() -> None:
    client = Client()
    assert client.get("/_bench/noop/").status_code == 404
    assert client.post("/_bench/insert/").status_code == 404
    assert not AuditEvent.objects.filter(action="bench_insert").exists()


def test_the_setting_is_off_by_default() -> None:
    from django.conf import settings

    assert settings.ONEWINDOW_BENCH is False


@override_settings(ONEWINDOW_BENCH=True)
def test_bench_urls_answer_when_the_setting_is_on() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get("/_bench/noop/").content == b"ok"
    assert client.post("/_bench/insert/").status_code == 403  # CSRF applies, as on the real API
    client.cookies["csrftoken"] = "a" * 32
    response = client.post("/_bench/insert/", HTTP_X_CSRFTOKEN="a" * 32)
    assert response.status_code == 201
    assert AuditEvent.objects.filter(action="bench_insert").count() == 1

"""`onewindow demo totp <username>` prints the code a demo account's authenticator shows now, and that code logs in."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from onewindow.security.services import ensure_demo_totp
from onewindow.testing import PASSWORD

pytestmark = pytest.mark.real_2fa


def test_the_printed_code_logs_the_demo_clerk_in(client, clerk, settings):
    ensure_demo_totp(user=clerk, key=settings.ONEWINDOW_DEMO_TOTP_KEY)
    out = io.StringIO()
    call_command("demo", "totp", "clerk", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    assert client.post(reverse("security:verify"), {"code": code}).status_code == 302
    assert client.get("/staff/").status_code == 200


def test_it_refuses_an_account_without_the_demo_secret(clerk):
    with pytest.raises(CommandError):
        call_command("demo", "totp", "clerk", stdout=io.StringIO())

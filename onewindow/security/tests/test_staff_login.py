"""Staff log in with a password and a TOTP code; without a device they enrol first (QR code)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.audit.models import AuditEvent
from onewindow.testing import PASSWORD, totp_code

pytestmark = pytest.mark.real_2fa


def _password(client, username="clerk", password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password, "next": "/staff/"}, **extra)


def test_it_asks_for_the_code_after_the_password_and_logs_in_with_it(client, clerk):
    code = totp_code(clerk)
    response = _password(client)
    assert response.status_code == 302 and response.url == reverse("security:verify")
    # The password alone is no login: staff screens still send the user away.
    assert client.get("/staff/").status_code == 302
    response = client.post(reverse("security:verify"), {"code": code})
    assert response.status_code == 302 and response.url == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert AuditEvent.objects.filter(action="login", actor=clerk).exists()


def test_a_wrong_code_is_refused_and_recorded(client, clerk):
    good = totp_code(clerk)
    _password(client)
    wrong = "000000" if good != "000000" else "111111"
    response = client.post(reverse("security:verify"), {"code": wrong})
    assert response.status_code == 200 and "动态口令不正确" in response.content.decode()
    assert client.get("/staff/").status_code == 302
    assert AuditEvent.objects.filter(action="login_failed", object_id="clerk", result="failed").exists()


def test_a_staff_member_without_a_device_enrols_with_the_qr_code(client, clerk):
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    response = _password(client)
    assert response.url == reverse("security:enrol")
    page = client.get(reverse("security:enrol")).content.decode()
    assert "<svg" in page
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', page).group(1)
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    import base64

    assert base64.b32decode(secret) == device.bin_key
    # The authenticator app computes the code from the secret shown.
    code = f"{TOTP(base64.b32decode(secret)).token():06d}"
    response = client.post(reverse("security:enrol"), {"code": code})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/staff/").status_code == 200
    assert AuditEvent.objects.filter(action="totp_enrolled", actor=clerk).exists()


def test_a_password_only_session_is_logged_out(client, clerk):
    client.force_login(clerk)  # real_2fa: no second factor in this session
    response = client.get("/staff/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    client.force_login(clerk)
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_the_admin_login_goes_through_the_two_factor_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_sms_code_is_the_fallback(client, clerk):
    from onewindow.outbox.models import OutboxMessage
    from onewindow.webhooks.models import StaffContact

    StaffContact.objects.create(user=clerk, mobile="13900001111")
    totp_code(clerk)
    _password(client)
    response = client.post(reverse("security:verify"), {"send_sms": "1"})
    assert "短信验证码已发送" in response.content.decode()
    message = OutboxMessage.objects.get(topic="login_code")
    code = re.search(r"(\d{6})", message.payload["text"]).group(1)
    response = client.post(reverse("security:verify"), {"code": code})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_applicants_cannot_log_in_at_the_staff_login_as_staff(client, db):
    from onewindow.cases.auth import register_applicant

    register_applicant(phone="13700000001", name="王五", password="applicant-Pass-1")
    # An applicant's account is not staff: no second step, and no staff screen afterwards.
    response = client.get("/staff/")
    assert response.status_code == 302

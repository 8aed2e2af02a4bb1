"""Five wrong passwords in 15 minutes lock the account for 30; twenty from one address lock the address;
an administrator unlocks (admin action or command), and both are audited."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from onewindow.audit.models import AuditEvent
from onewindow.security import services
from onewindow.security.models import Lockout
from onewindow.testing import PASSWORD, totp_code

pytestmark = pytest.mark.real_2fa


def _try(client, username="clerk", password="wrong-Pass-1", ip="10.1.1.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_account_even_for_the_right_password(client, clerk):
    for _ in range(4):
        assert "用户名或密码不正确" in _try(client).content.decode()
    response = _try(client)
    assert response.status_code == 429 and "已锁定" in response.content.decode()
    response = _try(client, password=PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    assert AuditEvent.objects.filter(action="login_locked", result="locked").count() == 1


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(client, clerk):
    wrong = _try(client, username="clerk")
    unknown = _try(client, username="nobody-here")
    assert wrong.status_code == unknown.status_code == 200
    assert "用户名或密码不正确" in wrong.content.decode() and "用户名或密码不正确" in unknown.content.decode()


def test_wrong_codes_count_towards_the_lock(client, clerk):
    good = totp_code(clerk)
    bad = "000000" if good != "000000" else "111111"
    client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    for _ in range(5):
        response = client.post(reverse("security:verify"), {"code": bad})
    assert response.status_code == 429
    assert services.active_lock(username="clerk") is not None


def test_twenty_failures_from_one_address_lock_the_address(client, db, settings):
    settings.ONEWINDOW_LOCKOUT_IP_FAILURES = 20
    for i in range(20):
        _try(client, username=f"user{i}", ip="10.2.2.2")
    assert services.active_lock(ip="10.2.2.2") is not None
    assert _try(client, username="someone", ip="10.2.2.2").status_code == 429
    assert _try(client, username="someone", ip="10.2.2.3").status_code == 200


def test_the_lock_runs_out_after_its_time(client, clerk, settings):
    settings.ONEWINDOW_LOCKOUT_MINUTES = 0
    for _ in range(5):
        _try(client)
    assert services.active_lock(username="clerk") is None


def test_an_administrator_unlocks_with_the_command(client, clerk, sysadmin):
    for _ in range(5):
        _try(client)
    call_command("security", "unlock", "clerk", "--by", "sysadmin")
    assert services.active_lock(username="clerk") is None
    event = AuditEvent.objects.get(action="login_unlocked")
    assert event.actor == sysadmin
    # Failures before the unlock do not count again: one more failure does not relock.
    _try(client)
    assert services.active_lock(username="clerk") is None
    assert _try(client, password=PASSWORD).status_code == 302


def test_an_administrator_unlocks_with_the_admin_action(client, clerk, db):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    for _ in range(5):
        _try(client)
    lock = Lockout.objects.get(key="clerk")
    admin_client = type(client)()
    admin_client.force_login(admin)
    from onewindow.testing import mark_second_factor_verified  # noqa: F401 - real_2fa: verify by hand below

    session = admin_client.session
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.create(user=admin, name="t", confirmed=True).persistent_id
    session.save()
    response = admin_client.post("/admin/security/lockout/", {"action": "release", "_selected_action": [lock.pk]})
    assert response.status_code == 302
    lock.refresh_from_db()
    assert lock.released_by == admin

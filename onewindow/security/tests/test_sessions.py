"""Idle sessions end; a new login of the same staff account ends the old session (one seat, one session);
passwords need complexity and expire."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onewindow.security.middleware import LAST_SEEN
from onewindow.security.models import StaffAccount
from onewindow.testing import PASSWORD, totp_code


def _login(client, user, offset=0):
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.3.3.3")
    return client.post(reverse("security:verify"), {"code": totp_code(user, offset)})


def test_an_idle_session_ends(client, clerk, settings):
    settings.ONEWINDOW_SESSION_IDLE_MINUTES = 30
    client.force_login(clerk)
    assert client.get("/staff/").status_code == 200
    session = client.session
    session[LAST_SEEN] = time.time() - 31 * 60
    session.save()
    response = client.get("/staff/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert client.get("/staff/").status_code == 302  # logged out for good


def test_an_active_session_stays(client, clerk, settings):
    client.force_login(clerk)
    session = client.session
    session[LAST_SEEN] = time.time() - 29 * 60
    session.save()
    assert client.get("/staff/").status_code == 200


@pytest.mark.real_2fa
def test_a_new_login_ends_the_old_session(clerk):
    first, second = Client(), Client()
    assert _login(first, clerk).status_code == 302
    assert first.get("/staff/").status_code == 200
    assert _login(second, clerk, offset=1).status_code == 302
    assert second.get("/staff/").status_code == 200
    assert first.get("/staff/").status_code == 302
    assert StaffAccount.objects.get(user=clerk).session_key == second.session.session_key


def test_staff_passwords_need_three_kinds_of_characters(clerk):
    with pytest.raises(ValidationError):
        validate_password("onlylowercase12", user=clerk)
    validate_password("Mixed-case-2026", user=clerk)


def test_applicant_passwords_keep_the_lighter_rule(db):
    applicant = get_user_model()(username="p:13700000000")
    validate_password("lowercase-words", user=applicant)


@pytest.mark.real_2fa
def test_an_expired_password_must_be_changed_first(client, clerk, settings):
    settings.ONEWINDOW_PASSWORD_MAX_AGE_DAYS = 90
    StaffAccount.objects.update_or_create(
        user=clerk, defaults={"password_changed_at": timezone.now() - timezone.timedelta(days=91)})
    response = _login(client, clerk)
    assert response.url == reverse("security:password_change")
    assert client.get("/staff/").url == reverse("security:password_change")
    response = client.post(reverse("security:password_change"), {
        "old_password": PASSWORD, "new_password1": "Brand-new-2027!", "new_password2": "Brand-new-2027!"})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
    assert StaffAccount.objects.get(user=clerk).password_changed_at > timezone.now() - timezone.timedelta(minutes=1)

"""Applicant accounts: register with phone + password, log in, log out; no account enumeration."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.cache import cache
from django.urls import reverse

from onewindow.cases.auth import applicant_username, is_applicant, register_applicant

pytestmark = pytest.mark.django_db

PASSWORD = "Spring-field-2026"


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def _register(client, phone="13800000001", name="张三", password=PASSWORD, password2=None, **extra):
    return client.post(reverse("cases:applicant_register"), {
        "phone": phone, "name": name, "password1": password, "password2": password2 or password}, **extra)


def test_it_registers_an_applicant_and_logs_them_in(client):
    response = _register(client)
    assert response.status_code == 302 and response["Location"] == reverse("cases:my_cases")
    user = get_user_model().objects.get(username=applicant_username("13800000001"))
    assert user.first_name == "张三" and not user.is_staff and is_applicant(user)
    assert client.get(reverse("cases:my_cases")).status_code == 200


def test_it_accepts_a_phone_written_with_country_code_and_spaces(client):
    _register(client, phone="+86 138 0000 0002")
    assert get_user_model().objects.filter(username=applicant_username("13800000002")).exists()


def test_it_explains_each_registration_problem_next_to_its_field(client):
    response = _register(client, phone="12345", password="short", password2="different")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html
    assert 'href="#id_phone"' in html and "请输入11位手机号码" in html
    assert 'href="#id_password2"' in html and "两次输入的密码不一致" in html
    assert 'aria-describedby="id_phone-hint id_phone-error"' in html
    assert not get_user_model().objects.exists()


def test_it_applies_the_django_password_validators(client):
    response = _register(client, password="1234567890123")
    assert response.status_code == 200
    assert "id_password1-error" in response.content.decode()
    assert not get_user_model().objects.exists()


def test_it_refuses_a_second_account_for_the_same_phone(client):
    register_applicant(phone="13800000001", name="张三", password=PASSWORD)
    response = _register(client, name="李四")
    assert response.status_code == 200
    assert "已经注册" in response.content.decode()
    assert get_user_model().objects.filter(username=applicant_username("13800000001")).count() == 1


def _normalised(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)  # the CSP nonce differs per response
    html = re.sub(r'"inlineStyleNonce": "[^"]+"', "", html)
    return re.sub(r'value="1[3-9]\d{9}"', "", html)


def test_a_failed_login_says_the_same_for_an_unknown_phone_and_a_wrong_password(client):
    register_applicant(phone="13800000001", name="张三", password=PASSWORD)
    login = reverse("cases:applicant_login")
    wrong_password = client.post(login, {"phone": "13800000001", "password": "not-the-password"})
    unknown_phone = client.post(login, {"phone": "13900000009", "password": "not-the-password"})
    assert wrong_password.status_code == unknown_phone.status_code == 200
    assert "手机号码或密码不正确" in wrong_password.content.decode()
    assert _normalised(wrong_password.content.decode()) == _normalised(unknown_phone.content.decode())


def test_it_logs_in_with_phone_and_password_and_follows_a_safe_next(client):
    register_applicant(phone="13800000001", name="张三", password=PASSWORD)
    response = client.post(reverse("cases:applicant_login") + "?next=/my/", {"phone": "138 0000 0001", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/my/"
    client.post(reverse("cases:applicant_logout"))
    response = client.post(reverse("cases:applicant_login"),
                           {"phone": "13800000001", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == reverse("cases:my_cases")


def test_logout_is_a_post(client):
    user = register_applicant(phone="13800000001", name="张三", password=PASSWORD)
    client.force_login(user)
    assert client.get(reverse("cases:applicant_logout")).status_code == 405
    assert client.post(reverse("cases:applicant_logout")).status_code == 302
    assert client.get(reverse("cases:my_cases")).status_code == 302  # back to the login page


def test_the_phone_backend_never_authenticates_staff():
    user = get_user_model().objects.create_user(username=applicant_username("13800000003"), password=PASSWORD, is_staff=True)
    assert authenticate(None, phone="13800000003", password=PASSWORD) is None
    user.is_staff = False
    user.save()
    assert authenticate(None, phone="13800000003", password=PASSWORD) == user


def test_failed_logins_are_limited_per_phone(client, settings):
    register_applicant(phone="13800000001", name="张三", password=PASSWORD)
    login = reverse("cases:applicant_login")
    for _ in range(5):
        assert client.post(login, {"phone": "13800000001", "password": "wrong-one"}).status_code == 200
    limited = client.post(login, {"phone": "13800000001", "password": PASSWORD})
    assert limited.status_code == 429 and "尝试次数过多" in limited.content.decode()
    assert int(limited["Retry-After"]) > 0


def test_failed_logins_are_limited_per_ip_and_not_for_other_addresses(client):
    login = reverse("cases:applicant_login")
    for i in range(10):
        client.post(login, {"phone": f"1390000000{i}", "password": "wrong-one"}, REMOTE_ADDR="10.0.0.1")
    assert client.post(login, {"phone": "13700000000", "password": "x"}, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.post(login, {"phone": "13700000000", "password": "x"}, REMOTE_ADDR="10.0.0.2").status_code == 200

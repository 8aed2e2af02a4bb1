"""Applicants' phone login never tells whether a phone number is registered."""

from __future__ import annotations

from django.urls import reverse

from onewindow.cases.auth import register_applicant


def test_an_unknown_phone_and_a_wrong_password_get_the_same_page(client, db):
    register_applicant(phone="13700000002", name="李四", password="applicant-pass-2")
    wrong = client.post(reverse("cases:applicant_login"), {"phone": "13700000002", "password": "nope-nope-1"},
                        REMOTE_ADDR="10.4.4.4")
    unknown = client.post(reverse("cases:applicant_login"), {"phone": "13700000009", "password": "nope-nope-1"},
                          REMOTE_ADDR="10.4.4.5")
    assert wrong.status_code == unknown.status_code
    strip = [("13700000002", ""), ("13700000009", "")]

    def body(response):
        text = response.content.decode()
        for a, b in strip:
            text = text.replace(a, b)
        import re

        text = re.sub(r'nonce="[^"]+"|"inlineStyleNonce": "[^"]+"', "", text)  # the CSP nonce differs per response
        return re.sub(r"[A-Za-z0-9]{64}", "", text)  # CSRF tokens differ per response

    assert body(wrong) == body(unknown)

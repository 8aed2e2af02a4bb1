"""Policies every applicant and public case page keeps: private caching, no indexing, the elder-mode switch,
the header links, and settings that fail loudly."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from onewindow.cases import services
from onewindow.cases.auth import register_applicant
from onewindow.testing import make_county, make_department, make_item, person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    make_county()
    item = make_item(make_department(), handling_forms=["1", "2"])
    user = register_applicant(phone="13800000001", name="张三", password="Spring-field-2026")
    case = services.submit_online(actor=user, item=item, applicant=person(1, phone="13800000001")).case
    return {"item": item, "user": user, "case": case}


def _pages(world):
    case, item = world["case"], world["item"]
    return [
        reverse("cases:applicant_login"),
        reverse("cases:applicant_register"),
        reverse("cases:track_lookup"),
        reverse("cases:track", args=[case.tracking_code]),
        reverse("cases:my_cases"),
        reverse("cases:my_case_detail", args=[case.number]),
        reverse("cases:apply", args=[item.implementation_code]) + "?step=kind",
    ]


def test_every_page_is_private_unindexed_and_has_the_elder_switch(client, world):
    client.force_login(world["user"])
    for url in _pages(world):
        if url in (reverse("cases:applicant_login"), reverse("cases:applicant_register")):
            client.logout()
        else:
            client.force_login(world["user"])
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url
        assert response["X-Robots-Tag"].startswith("noindex"), url
        html = response.content.decode()
        assert 'id="elder-toggle"' in html, url
        assert "cases/public.css" in html, url


def test_pages_render_in_elder_mode(client, world):
    client.cookies["elder"] = "1"
    response = client.get(reverse("cases:track", args=[world["case"].tracking_code]))
    assert '<body class="elder' in response.content.decode()


def test_the_header_links_to_tracking_and_my_cases_and_hides_the_workbench_from_applicants(client, world):
    html = client.get("/").content.decode()
    assert f'href="{reverse("cases:track_lookup")}"' in html and f'href="{reverse("cases:my_cases")}"' in html
    client.force_login(world["user"])
    assert 'href="/staff/"' not in client.get("/").content.decode()


def test_a_rate_setting_that_is_not_a_rate_fails_loudly(monkeypatch):
    from onewindow.settings import env_rate

    monkeypatch.setenv("RATE_TEST", "ten per minute")
    with pytest.raises(ImproperlyConfigured):
        env_rate("RATE_TEST", "10/60")
    monkeypatch.setenv("RATE_TEST", "5/600")
    assert env_rate("RATE_TEST", "10/60") == (5, 600)

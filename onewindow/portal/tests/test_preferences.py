"""Elder mode and font size: a visible switch on every applicant page, kept in cookies, no open redirect."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def body_classes(html: str) -> list[str]:
    return re.search(r'<body[^>]*\bclass="([^"]*)"', html).group(1).split()


def pages(food_licence) -> list[str]:
    code = food_licence.implementation_code
    return ["/", "/items/", "/items/?q=yyzz", f"/guide/{code}/", f"/guide/{code}/v1/", "/guide/unknown/"]


def test_every_applicant_page_has_the_elder_switch_and_font_buttons(client, food_licence):
    for url in pages(food_licence):
        html = client.get(url).content.decode()
        assert 'id="elder-toggle"' in html and "长辈版" in html, url
        assert 'name="font" value="up"' in html and 'name="font" value="down"' in html, url
        assert "elder" not in body_classes(html), url


def test_elder_mode_is_switched_on_and_off_with_a_cookie(client, food_licence):
    response = client.post("/prefs/", {"elder": "1", "next": "/items/?q=shipin"})
    assert response.status_code == 302 and response["Location"] == "/items/?q=shipin"
    assert response.cookies["elder"].value == "1"
    assert response.cookies["elder"]["samesite"] == "Lax"
    for url in pages(food_licence):
        html = client.get(url).content.decode()
        assert "elder" in body_classes(html), url
        assert "标准版" in html and 'aria-pressed="true"' in html, url

    client.post("/prefs/", {"elder": "0", "next": "/"})
    assert "elder" not in body_classes(client.get("/").content.decode())


def test_the_font_grows_and_shrinks_within_limits(client, food_licence):
    def scale() -> str:
        return client.get("/").content.decode().split("--font-scale: calc(")[1].split(" ")[0]

    assert scale() == "100"
    client.post("/prefs/", {"font": "up"})
    assert scale() == "112"
    client.post("/prefs/", {"font": "up"})
    assert scale() == "124"
    client.post("/prefs/", {"font": "down"})
    assert scale() == "112"
    for _ in range(10):
        client.post("/prefs/", {"font": "up"})
    assert scale() == "160"
    client.post("/prefs/", {"font": "reset"})
    assert scale() == "100"
    for _ in range(5):
        client.post("/prefs/", {"font": "down"})
    assert scale() == "88"


def test_a_forged_font_cookie_is_clamped(client):
    client.cookies["fontscale"] = "9999"
    assert "--font-scale: calc(200 / 100)" in client.get("/").content.decode()
    client.cookies["fontscale"] = "big"
    assert "--font-scale: calc(100 / 100)" in client.get("/").content.decode()
    response = client.post("/prefs/", {"font": "up"})
    assert response.cookies["fontscale"].value == "112"


@pytest.mark.parametrize("target", [
    "https://evil.example/phish", "//evil.example/phish", "http://testserver.evil.example/", "javascript:alert(1)",
    "https:///evil.example", "\\\\evil.example",
])
def test_the_preferences_redirect_refuses_an_external_target(client, target):
    response = client.post("/prefs/", {"elder": "1", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_preferences_redirect_goes_back_to_a_local_page(client):
    response = client.post("/prefs/", {"font": "up", "next": "/guide/X/?a=1"})
    assert response["Location"] == "/guide/X/?a=1"


def test_preferences_only_accept_post(client):
    assert client.get("/prefs/", {"elder": "1"}).status_code == 405

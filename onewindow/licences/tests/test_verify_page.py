"""The public verification page and API behind the licence's QR code, and the licence PDF."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from pypdf import PdfReader

from onewindow.licences import services
from onewindow.licences.models import Licence
from onewindow.licences.pdf import licence_pdf, verify_url

from .world import approve_case, build_world, business_licence_type, issued_licence

pytestmark = pytest.mark.django_db


@pytest.fixture
def licence():
    cache.clear()
    world = build_world()
    business_licence_type()
    return issued_licence(approve_case(world))


def test_the_page_says_the_signature_is_valid_and_masks_the_holder_code(client, licence):
    response = client.get(reverse("licences:verify", args=[licence.verify_code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "签名有效" in html and "证照有效" in html
    assert licence.identifier in html
    assert licence.holder_code not in html and licence.masked_holder_code in html
    assert "no-store" in response["Cache-Control"]


def test_the_page_shows_a_revoked_licence_as_invalid(client, licence):
    services.revoke_licence(actor=None, licence=licence, reason="许可被撤销")
    html = client.get(reverse("licences:verify", args=[licence.verify_code])).content.decode()
    assert "证照无效" in html and "已撤销" in html and "签名有效" in html


def test_a_tampered_row_shows_the_signature_as_invalid(client, licence):
    Licence.objects.filter(pk=licence.pk).update(valid_to="2099-12-31")
    html = client.get(reverse("licences:verify", args=[licence.verify_code])).content.decode()
    assert "签名无效" in html and "可能被篡改" in html


def test_unknown_codes_are_404(client, licence):
    assert client.get(reverse("licences:verify", args=["nope"])).status_code == 404
    assert client.get("/api/v1/licences/verify/nope/").status_code == 404


def test_the_api_answers_the_same(client, licence):
    data = client.get(f"/api/v1/licences/verify/{licence.verify_code}/").json()
    assert data["signature_valid"] is True and data["valid"] is True and data["status"] == "valid"
    assert data["identifier"] == licence.identifier
    assert data["holder_code"] == licence.masked_holder_code and licence.holder_code != data["holder_code"]
    assert data["valid_to"] is None or re.match(r"\d{4}-\d\d-\d\d", data["valid_to"])


def test_page_and_api_are_rate_limited(client, licence, settings):
    settings.ONEWINDOW_RATE_LIMITS = {**settings.ONEWINDOW_RATE_LIMITS, "licence_verify_ip": (3, 60)}
    url = reverse("licences:verify", args=[licence.verify_code])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    assert client.get(url).status_code == 429
    response = client.get(f"/api/v1/licences/verify/{licence.verify_code}/")
    assert response.status_code == 429 and "Retry-After" in response


def test_the_pdf_has_chinese_text_the_identifier_and_the_qr_link(licence, tmp_path):
    content = licence_pdf(licence, "https://zwfw.example.gov.cn/")
    path = tmp_path / "licence.pdf"
    path.write_bytes(content)
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(path).pages))
    for expected in ("营业执照", "测试县好味餐饮有限公司", "经营范围", "餐饮服务", "测试县市场监督管理局", "电子证照专用章",
                     licence.identifier):
        assert expected in text, expected
    assert verify_url(licence, "https://zwfw.example.gov.cn/") in text

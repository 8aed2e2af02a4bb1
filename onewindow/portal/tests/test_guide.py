"""The guide page tells an applicant everything once; a wrong address gets a friendly page, never a 500."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from onewindow.catalog import services
from onewindow.testing import make_item

pytestmark = pytest.mark.django_db


def test_the_guide_shows_materials_limits_fees_place_hours_phones_and_faq(client, food_licence):
    response = client.get(f"/guide/{food_licence.implementation_code}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("<h1>食品经营许可</h1>", "营业执照复印件", "法定代表人身份证明", "容缺", "承诺 5 个工作日（法定 20 个工作日）",
                 "每件 10 元", "《行政事业性收费标准》第 3 条", "县政务服务中心一楼 3 号窗口", "工作日 9:00-17:00",
                 "0571-12345678", "0571-12345999", "问：需要现场核查吗？", "答：需要，由审批科安排。", "问：可以快递送达吗？",
                 "食品经营许可证", "已取得营业执照。", "《中华人民共和国食品安全法》", "测试县市场监督管理局"):
        assert text in html, text
    assert f"/guide/{food_licence.implementation_code}/notice.pdf" in html


def test_an_instant_item_says_so_and_a_free_item_says_it_is_free(client, birth_certificate):
    html = client.get(f"/guide/{birth_certificate.implementation_code}/").content.decode()
    assert "即办件：材料齐全当场办结" in html
    assert "不收费" in html


@pytest.mark.parametrize("path", [
    "/guide/NO-SUCH-CODE/",
    "/guide/11990000000000001G4999999999999/",
    "/guide/%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7/",
    "/guide/{code}/v9/",
    "/guide/{code}/v0/",
    "/guide/NO-SUCH-CODE/notice.pdf",
    "/guide/{code}/v9/notice.pdf",
    "/items/nothing-here/",
])
def test_an_unknown_address_gets_the_friendly_chinese_404(client, food_licence, path):
    response = client.get(path.format(code=food_licence.implementation_code))
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在或已下线" in html and 'href="/"' in html
    assert 'id="elder-toggle"' in html


def test_a_draft_or_withdrawn_item_has_no_public_guide(client, department, food_licence):
    draft = make_item(department, basic_code="000300000001", name="草稿事项", publish=False)
    assert client.get(f"/guide/{draft.implementation_code}/").status_code == 404
    food_licence.is_active = False
    services.save_item(actor=None, item=food_licence)
    assert client.get(f"/guide/{food_licence.implementation_code}/").status_code == 404
    assert client.get(f"/guide/{food_licence.implementation_code}/notice.pdf").status_code == 404


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_the_notice_is_a_pdf_naming_the_item_and_every_material(client, food_licence):
    response = client.get(f"/guide/{food_licence.implementation_code}/notice.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    text = pdf_text(response.content)
    assert "一次性告知单" in text and "食品经营许可" in text
    for material in food_licence.materials.all():
        assert material.name in text, material.name
    assert "容缺受理" in text and "每件10元" in text and "需要现场核查吗" in text


def test_an_old_notice_keeps_the_old_materials(client, food_licence):
    first = food_licence.materials.get(order=0)
    first.name = "统一社会信用代码证明"
    services.save_material(actor=None, material=first)
    services.publish_guide(actor=None, item=food_licence)
    old = pdf_text(client.get(f"/guide/{food_licence.implementation_code}/v1/notice.pdf", {"download": "1"}).content)
    new = pdf_text(client.get(f"/guide/{food_licence.implementation_code}/notice.pdf").content)
    assert "营业执照复印件" in old and "统一社会信用代码证明" not in old
    assert "统一社会信用代码证明" in new and "营业执照复印件" not in new

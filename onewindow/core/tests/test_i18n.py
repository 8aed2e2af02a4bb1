"""The UI is Chinese by default and English on request (language cookie or Accept-Language); the English
catalogue is complete; printed notices stay Chinese whatever the reader's language."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from onewindow.cases import services
from onewindow.cases.notices import notice_pdf
from onewindow.org.choices import Role
from onewindow.testing import make_county, make_department, make_item, make_user, person

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def _check_messages():
    spec = importlib.util.spec_from_file_location("check_messages", ROOT / "scripts" / "check_messages.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def county():
    return make_county()


@pytest.fixture
def item(county):
    return make_item(make_department(), county_wide=True)


@pytest.fixture
def case(county, item):
    clerk = make_user("clerk", Role.CLERK, centre=county)
    ids = [m["id"] for m in item.guides.get(status="published").materials]
    return services.receive_case(actor=clerk, item=item, applicant=person(3, name="王小明"), centre=county,
                                 received_material_ids=ids).case


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _html(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200
    return response.content.decode()


def test_chinese_is_the_default_language(client, item):
    assert settings.LANGUAGE_CODE == "zh-hans"
    html = _html(client, reverse("portal:home"))
    assert 'lang="zh-CN"' in html
    assert "我要办事" in html and "Find a service" not in html


def test_the_home_page_is_english_with_the_language_cookie(client, item):
    html = _html(_english(client), reverse("portal:home"))
    assert 'lang="en"' in html
    assert "Find a service" in html and "For individuals" in html and "Skip to main content" in html
    assert "我要办事" not in html and "个人办事" not in html and "跳到主要内容" not in html


def test_the_home_page_follows_accept_language(client, item):
    html = _html(client, reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert "Find a service" in html and "我要办事" not in html


def test_the_language_switch_sets_english(client, item):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Find a service" in _html(client, reverse("portal:home"))


def test_the_staff_login_page_is_english(client):
    html = _html(_english(client), reverse("login"))
    assert "Staff sign-in" in html and "Username" in html and "Password" in html
    assert "工作人员登录" not in html and "用户名" not in html


def test_a_guide_page_is_english_but_keeps_the_item_name(client, item):
    html = _html(_english(client), reverse("portal:guide", args=[item.implementation_code]))
    assert item.name in html  # data stays as the bureau wrote it
    assert "Materials" in html and "Opening hours" in html
    assert "申请材料" not in html and "办理时间" not in html


def test_a_tracking_page_is_english(client, case):
    html = _html(_english(client), reverse("cases:track", args=[case.tracking_code]))
    assert "Progress" in html and "Received" in html
    assert "办理进度" not in html and "已收件" not in html


def test_chinese_pages_are_unchanged_without_a_language_choice(client, case):
    html = _html(client, reverse("cases:track", args=[case.tracking_code]))
    assert "办理进度" in html and "已收件" in html and "Progress" not in html


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace("\n", "")


def test_a_notice_printed_from_an_english_page_is_still_chinese(case):
    with translation.override("en"):
        text = _pdf_text(notice_pdf(case, "receipt", "https://ywt.example.gov.cn"))
        assert translation.get_language() == "en"  # the override ends with the document
    # Choice labels (material status, channel, ID type) are gettext strings: they must print in Chinese.
    assert "已收" in text and "窗口" in text and "居民身份证" in text
    assert "Received" not in text and "Resident ID card" not in text


def test_the_tracking_route_serves_the_chinese_notice_to_an_english_reader(client, case):
    response = _english(client).get(reverse("cases:track_notice", args=[case.tracking_code, "receipt"]))
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert "已收" in text and "Received" not in text


def test_every_msgid_in_the_english_catalogue_is_translated_and_none_is_fuzzy():
    check = _check_messages()
    missing = check.problems()
    assert not missing, "untranslated or fuzzy (fill in and run make messages):\n" + check.listing(missing)


def test_the_compiled_catalogue_is_committed_and_not_older_than_the_po():
    po = ROOT / "onewindow" / "locale" / "en" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists()
    with translation.override("en"):
        assert translation.gettext("一窗受理 · 一章审批 · 最多跑一次") == "One-window intake · One-seal approval · At most one visit"


def test_the_check_lists_untranslated_entries_as_a_fill_in_table(tmp_path):
    check = _check_messages()
    po = tmp_path / "django.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "办件"\nmsgstr "Case"\n\n'
                  'msgid "事项"\nmsgstr ""\n\n'
                  '#, fuzzy\nmsgid "补正"\nmsgstr "Correction"\n\n'
                  'msgid "共 %(n)s 件"\nmsgid_plural "共 %(n)s 件"\nmsgstr[0] ""\nmsgstr[1] ""\n', encoding="utf-8")
    missing = check.problems(po)
    assert [e.msgid for e in missing] == ["事项", "补正", "共 %(n)s 件"]
    assert check.listing(missing).splitlines() == ["事项\t", "补正\t", "共 %(n)s 件\t\t共 %(n)s 件"]
    fill = tmp_path / "fill.tsv"
    fill.write_text("事项\tService item\n补正\tCorrection request\n共 %(n)s 件\t%(n)s case\t%(n)s cases\n",
                    encoding="utf-8")
    assert check.apply(fill, po) == 3
    assert check.problems(po) == []


def test_the_staff_case_page_is_english_including_the_action_buttons(client, case, county):
    clerk = make_user("clerk2", Role.CLERK, centre=county)
    client.force_login(clerk)
    html = _html(_english(client), reverse("cases:case_detail", args=[case.number]))
    # The action labels are built at import time; they must still follow the request language.
    assert "<summary>Accept</summary>" in html and "<summary>One-time correction request</summary>" in html
    assert "<summary>受理</summary>" not in html and "<summary>一次性告知补正</summary>" not in html
    workbench = _html(client, reverse("cases:workbench"))
    assert "Workbench" in workbench and "工作台" not in workbench and "年" not in workbench.split("<h1>")[1][:80]

"""开办企业 (an integrated service, 一件事) end to end in the browser: the situation questions with follow-ups
that appear as you answer, the one-time notice and its PDF, login, the ONE merged form, the ONE set of
files, check your answers, one submission — then one child case per item in its own section, each shared
file stored once, and the bundle's tracking page listing every child."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

PHONE, PASSWORD = "13900000008", "Spring-field-2026"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def county(transactional_db: None, settings: Any, tmp_path: Any) -> Any:
    """The demo county with its published integrated services, and an applicant account."""
    import logging

    from onewindow.cases.auth import register_applicant
    from onewindow.demo.loader import DEMO_DATA, load_county, read_data
    from onewindow.integrated.demo import load_integrated, read_integrated

    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    audit = logging.getLogger("onewindow.audit")
    level = audit.level
    audit.setLevel(logging.WARNING)
    try:
        load_county(actor=None, data=read_data(DEMO_DATA))
        load_integrated(actor=None, data=read_integrated())
    finally:
        audit.setLevel(level)
    return register_applicant(phone=PHONE, name="李青禾", password=PASSWORD)


def _answer_the_questions(page: Any) -> None:
    page.goto("/yjs/")
    page.get_by_role("link", name="开办企业").click()
    expect(page.locator("h1")).to_have_text("开办企业")
    # A follow-up appears as soon as its option is chosen, and goes again when the answer changes.
    expect(page.get_by_text("合伙企业类型")).to_have_count(0)
    page.get_by_label("合伙企业", exact=True).check()
    expect(page.locator("#q-partnership_kind")).to_be_visible()
    expect(page.locator("#q-partnership_kind")).to_contain_text("因为您选择了“合伙企业”")
    page.get_by_label("有限责任公司").check()
    expect(page.locator("#q-partnership_kind")).to_have_count(0)
    page.get_by_label("能，本人办理").check()
    page.get_by_label("利用住宅从事经营").check()
    expect(page.locator("#q-home_consent")).to_be_visible()
    page.get_by_label("尚未取得").check()  # a blocking option says why at once
    expect(page.locator(".block-message")).to_contain_text("须经有利害关系的业主同意")
    page.get_by_label("租赁房屋").check()
    expect(page.locator(".block-message")).to_have_count(0)
    page.get_by_label("招用员工").check()
    page.get_by_label("需要", exact=True).check()
    page.get_by_label("公章", exact=True).check()
    page.get_by_label("财务专用章").check()
    page.get_by_role("button", name="继续，查看一次性告知").click()


def test_kaiban_from_the_questions_to_the_bundle_tracking_page(page: Any, county: Any, tmp_path: Any) -> None:
    from onewindow.cases.models import CaseFile
    from onewindow.integrated.engine import plan_for
    from onewindow.integrated.models import IntegratedCase

    _answer_the_questions(page)

    # The one-time notice: every item, the merged materials, what the process produces itself.
    expect(page).to_have_url(re.compile(r"/yjs/kaiban-qiye/plan/$"))
    answers = {"company_type": "llc", "rep_present": "rep_yes", "premises": "lease", "employees": "staff_yes",
               "invoices": "invoice_yes", "seals": ["seal_official", "seal_finance"]}
    plan = plan_for("kaiban-qiye", answers).to_dict()
    items = page.locator("#plan-items > li")
    expect(items).to_have_count(len(plan["items"]))
    for item in plan["items"]:
        expect(page.locator("#plan-items")).to_contain_text(item["name"])
    expect(page.locator("#plan-materials")).to_contain_text("房屋租赁合同及出租方不动产权证书复印件")
    expect(page.locator("#plan-supplied")).to_contain_text("办理过程中产生，无需提交")

    with page.expect_download() as download_info:
        page.locator("#notice-pdf").click()
    target = tmp_path / "notice.pdf"
    download_info.value.save_as(target)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(target).pages))
    assert "一次性告知单" in text
    for item in plan["items"]:
        assert item["name"] in text, f"{item['name']} missing from the notice PDF"

    # Applying needs the applicant's login, then comes straight back.
    page.locator("#start-application").click()
    expect(page).to_have_url(re.compile(r"/my/login/"))
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.get_by_label("个人（以本人或他人名义申请）").check()
    page.get_by_role("button", name="继续").click()
    from onewindow.testing import synthetic_id_number

    expect(page.get_by_label("申请人姓名")).to_have_value("李青禾")
    page.get_by_label("居民身份证号码").fill(synthetic_id_number(8))
    page.get_by_role("button", name="继续").click()

    # The ONE merged form: the answers already filled in what they decide.
    expect(page.locator("h1")).to_have_text("填写一件事综合申请表")
    expect(page.locator("#decided-fields")).to_contain_text("有限责任公司")
    page.get_by_label("企业名称（自主申报通过的名称）").fill("清河县青禾食品有限公司")
    page.get_by_label("法定代表人（负责人、经营者）姓名").fill("李青禾")
    page.get_by_label("法定代表人证件号码").fill(synthetic_id_number(8))
    expect(page.get_by_label("联系电话")).to_have_value(PHONE)
    page.get_by_label("住所（经营场所）").fill("清河县城关镇人民路 8 号")
    page.get_by_label("经营范围（按规范表述填写）").fill("食品销售（仅销售预包装食品）")
    page.get_by_label("注册资本（出资额，万元）").fill("50")
    page.get_by_label("预计招用人数").fill("6")
    page.get_by_label("发票种类（数电发票）").fill("数电普通发票")
    page.get_by_role("button", name="保存并继续").click()

    # The ONE set of materials: each kind once.
    expect(page.locator("h1")).to_have_text("上传一套申请材料")
    inputs = page.locator("input[type=file]")
    requested = [m for m in plan["materials"] if m["status"] == "request"]
    expect(inputs).to_have_count(len(requested))
    for i in range(len(requested)):
        payload = ({"name": f"m{i}.pdf", "mimeType": "application/pdf", "buffer": PDF} if i % 2 else
                   {"name": f"m{i}.png", "mimeType": "image/png", "buffer": _png()})
        inputs.nth(i).set_input_files(payload)
    page.get_by_role("button", name="上传并继续").click()

    # Check your answers, then submit once.
    expect(page.locator("h1")).to_have_text("核对您的申请")
    expect(page.locator("#check-items > li")).to_have_count(len(plan["items"]))
    expect(page.locator("#check-form")).to_contain_text("清河县青禾食品有限公司")
    page.get_by_label("我承诺所填信息和上传的材料真实、有效，并同意工作人员核查。").check()
    page.locator("#submit-application").click()

    expect(page.locator(".panel h1")).to_have_text("申请已提交")
    bundle = IntegratedCase.objects.get()
    expect(page.locator("#query-password")).to_have_text(bundle.query_password)
    expect(page.locator("#child-cases > li")).to_have_count(len(plan["items"]))

    # In the database: one child case per item, each in its item's section; each file stored once.
    children = bundle.cases
    assert [c.item.implementation_code for c in children] == [i["code"] for i in plan["items"]]
    assert [c.section.name for c in children] == [i["section"] for i in plan["items"]]
    for case in children:
        expect(page.locator("#child-cases")).to_contain_text(case.number)
    files = CaseFile.objects.filter(case__in=children)
    assert files.values("file").distinct().count() == len(requested)
    assert files.count() > len(requested)

    # One code for everything: the bundle's tracking page lists every child.
    page.locator("#track-link").click()
    expect(page.locator("h1")).to_have_text("开办企业")
    rows = page.locator("#bundle-children > li")
    expect(rows).to_have_count(len(children))
    for case in children:
        expect(page.locator("#bundle-children")).to_contain_text(case.item.name)
        expect(page.locator("#bundle-children")).to_contain_text(case.number)
    expect(page.locator("#bundle-status")).to_contain_text(f"办理中：已办结 0 个事项，共 {len(children)} 个")

"""From the results an applicant opens the guide and takes away the one-time notice as a PDF."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect
from pypdf import PdfReader


def _open_licence_guide(page: Any) -> None:
    page.goto("/items/?q=yyzz")
    page.get_by_role("link", name="企业设立登记").click()
    expect(page.locator("h1")).to_have_text("企业设立登记")


def test_the_guide_shows_materials_time_limit_and_the_notice_link(page: Any, catalog: dict[str, Any]) -> None:
    _open_licence_guide(page)

    expect(page).to_have_url(re.compile(rf"/guide/{catalog['licence'].implementation_code}/$"))
    materials = page.locator("table.materials tbody tr")
    expect(materials).to_have_count(3)
    expect(materials.nth(0)).to_contain_text("营业执照复印件")
    expect(materials.nth(1)).to_contain_text("法定代表人身份证明")
    expect(materials.nth(1)).to_contain_text("容缺")
    expect(page.locator("table.facts")).to_contain_text("承诺 1 个工作日（法定 15 个工作日）")
    expect(page.locator("table.facts")).to_contain_text("县政务服务中心一楼A区3号窗口")
    expect(page.get_by_role("link", name="下载一次性告知单（PDF）")).to_be_visible()


def test_the_notice_downloads_as_a_pdf_listing_the_materials(page: Any, catalog: dict[str, Any], tmp_path: Any) -> None:
    _open_licence_guide(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载一次性告知单（PDF）").click()
    download = download_info.value

    code = catalog["licence"].implementation_code
    assert download.suggested_filename == f"notice-{code}-v1.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(target).pages)
    compact = re.sub(r"\s+", "", text)
    assert "一次性告知单" in compact
    assert "企业设立登记" in compact
    for material in ("营业执照复印件", "法定代表人身份证明", "经营场所证明"):
        assert material in compact, f"{material} missing from the notice text"

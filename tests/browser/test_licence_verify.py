"""Scanning a licence's QR code opens the public verification page, which says the signature is valid."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect


@pytest.fixture
def licence(transactional_db: None) -> Any:
    """A business licence issued by approving a case through the case services."""
    from django.core.cache import cache

    from onewindow.licences.tests.world import (
        approve_case,
        build_world,
        business_licence_type,
        issued_licence,
    )

    cache.clear()
    world = build_world()
    business_licence_type()
    return issued_licence(approve_case(world))


def test_the_qr_url_of_a_licence_verifies_in_the_browser(page: Any, licence: Any, live_server: Any) -> None:
    from onewindow.licences.pdf import verify_url

    qr_url = verify_url(licence, live_server.url)  # exactly what the PDF's QR code encodes
    page.goto(urlparse(qr_url).path)

    expect(page.locator("h1")).to_have_text("营业执照")
    expect(page.locator("#signature")).to_contain_text("签名有效")
    expect(page.locator("#verdict")).to_contain_text("证照有效")
    expect(page.locator("#identifier")).to_have_text(licence.identifier)
    expect(page.locator("#holder-code")).to_have_text(licence.masked_holder_code)
    expect(page.locator("svg.seal")).to_be_visible()

"""Full ID numbers, phones and addresses appear nowhere by default — staff pages, the public tracking page,
notices (PDF), Excel/CSV exports, API answers for roles that do not check identity — and showing them is an
explicit, audited, rate-limited act ("显示完整信息")."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from onewindow.audit.models import AuditEvent
from onewindow.core.masking import mask_address, mask_id_number, mask_phone
from onewindow.core.pii import find_plain

from .api_world import OWNER_PHONE, World, url

pytestmark = pytest.mark.django_db

ADDRESS = "测试县城关镇解放路一号三单元"


@pytest.fixture
def world():
    return World()


@pytest.fixture
def case(world):
    world.owner_data.address = ADDRESS
    return world.case("approved")


def secrets_of(world):
    return [world.owner_data.cert_number, OWNER_PHONE, ADDRESS]


def assert_masked(text: str, world) -> None:
    for secret in secrets_of(world):
        assert secret not in text, secret[:4]
    assert find_plain(text) == []


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_staff_case_page_masks_until_a_window_clerk_asks(world, case):
    clerk = world.client("clerk")
    page = clerk.get(reverse("cases:case_detail", args=[case.number])).content.decode()
    assert_masked(page, world)
    assert mask_id_number(world.owner_data.cert_number) in page and mask_phone(OWNER_PHONE) in page
    assert mask_address(ADDRESS) in page
    assert "显示完整信息" in page and reverse("cases:case_reveal", args=[case.number]) in page
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()  # looking is not revealing


def test_revealing_is_a_post_that_shows_the_values_once_and_is_audited(world, case):
    clerk = world.client("clerk")
    reveal = reverse("cases:case_reveal", args=[case.number])
    assert clerk.get(reveal).status_code == 405
    response = clerk.post(reveal, {"reason": "核验身份"})
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    for secret in secrets_of(world):
        assert secret in html
    event = AuditEvent.objects.get(action="pii.reveal")
    assert event.actor == world.user("clerk") and event.object_id == str(case.pk)
    assert event.data["case"] == case.number and event.data["reason"] == "核验身份"
    # The next ordinary view is masked again: nothing was kept in the session.
    assert_masked(clerk.get(reverse("cases:case_detail", args=[case.number])).content.decode(), world)


@pytest.mark.parametrize("persona", ["approver", "head", "leader"])
def test_staff_who_do_not_check_identity_cannot_reveal(world, case, persona):
    client = world.client(persona)
    page = client.get(reverse("cases:case_detail", args=[case.number])).content.decode()
    assert "显示完整信息" not in page
    response = client.post(reverse("cases:case_reveal", args=[case.number]))
    assert response.status_code in (403, 404)
    assert_masked(response.content.decode(), world)
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()


@override_settings(ONEWINDOW_RATE_LIMITS={"pii_reveal_user": (2, 3600)})
def test_revealing_is_rate_limited_per_staff_member(world, case):
    clerk = world.client("clerk")
    reveal = reverse("cases:case_reveal", args=[case.number])
    assert [clerk.post(reveal).status_code for _ in range(3)] == [200, 200, 429]
    assert AuditEvent.objects.filter(action="pii.reveal").count() == 2


def test_lists_exports_and_the_api_for_other_roles_are_masked(world, case):
    clerk, head = world.client("clerk"), world.client("head")
    assert_masked(clerk.get(reverse("cases:case_list")).content.decode(), world)
    sheet = load_workbook(io.BytesIO(world.client("leader").get(reverse("cases:case_export")).content)).active
    cells = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    assert case.number in cells
    assert_masked(cells, world)
    for output in ("csv", "xlsx"):
        response = head.get(url(action="export"), {"output": output} if output == "csv" else {})
        assert response.status_code == 200
        body = response.content.decode("utf-8-sig") if output == "csv" else " ".join(
            str(c) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
            for c in row if c is not None)
        assert case.number in body
        assert_masked(body, world)
    for persona in ("approver", "head", "leader", "liaison"):
        client = world.client(persona)
        assert_masked(client.get(url(case)).content.decode("unicode_escape"), world)
        assert_masked(client.get(url()).content.decode("unicode_escape"), world)


def test_the_public_tracking_page_and_every_notice_are_masked(world, case, client):
    page = client.get(reverse("cases:track", args=[case.tracking_code]))
    assert page.status_code == 200
    assert_masked(page.content.decode(), world)
    from onewindow.cases.notices import available_notices

    kinds = available_notices(case)
    assert "receipt" in kinds and len(kinds) >= 3
    for kind in kinds:
        staff_pdf = world.client("clerk").get(reverse("cases:case_notice", args=[case.number, kind]))
        public_pdf = client.get(reverse("cases:track_notice", args=[case.tracking_code, kind]))
        for response in (staff_pdf, public_pdf):
            if response.status_code == 404:
                continue  # some notices are for staff only
            assert response.status_code == 200, kind
            text = pdf_text(response.content)
            if kind == "receipt":  # the receipt names the applicant by certificate: masked
                assert mask_id_number(world.owner_data.cert_number) in text
            assert_masked(text, world)


def test_the_admin_case_page_is_masked(world, case, admin_client):
    response = admin_client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert mask_phone(OWNER_PHONE) in html
    assert_masked(html, world)

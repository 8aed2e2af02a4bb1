"""The applicant's pages of an integrated service: questions (htmx follow-ups and the no-JS fallback), the
one-time notice as a page and a PDF, then one form, one set of files, check, submit once, confirmation,
and the bundle's tracking page with masked names."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from onewindow.cases.auth import register_applicant
from onewindow.cases.models import Case, CaseFile
from onewindow.integrated.bundles import requested_materials
from onewindow.integrated.engine import plan_for
from onewindow.integrated.models import IntegratedCase
from onewindow.testing import synthetic_id_number

from .flow_helpers import KAIBAN, KAIBAN_LLC, PDF, form_for, png_bytes

pytestmark = pytest.mark.django_db
QUESTIONS = reverse("integrated:questions", args=[KAIBAN])
PLAN = reverse("integrated:plan", args=[KAIBAN])
APPLY = reverse("integrated:apply", args=[KAIBAN])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def applicant(client, db):
    user = register_applicant(phone="13800000002", name="李青禾", password="Spring-field-2026")
    client.force_login(user)
    return user


def answer_all(client, answers=KAIBAN_LLC):
    shown = ",".join(plan_for(KAIBAN, answers).visible)
    return client.post(QUESTIONS, {**answers, "shown": shown})


def test_the_list_shows_published_services_by_audience(client, demo):
    page = client.get(reverse("integrated:services")).content.decode()
    assert "开办企业" in page and "新生儿出生" in page
    assert page.index("个人办事") < page.index("新生儿出生") and page.index("法人办事") < page.index("开办企业")


def test_a_follow_up_appears_when_its_option_is_chosen_htmx(client, demo):
    first = client.get(QUESTIONS).content.decode()
    assert "合伙企业类型" not in first
    shown = ",".join(plan_for(KAIBAN, {}).visible)
    response = client.post(QUESTIONS, {"company_type": "partnership", "shown": shown}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="q-partnership_kind"' in page and "因为您选择了“合伙企业”" in page
    assert "新出现 1 个问题：合伙企业类型" in page  # said to screen readers (out-of-band status)
    assert "<html" not in page  # a fragment


def test_a_blocking_option_shows_its_message_at_once(client, demo):
    page = client.post(QUESTIONS, {"company_type": "foreign"}, HTTP_HX_REQUEST="true").content.decode()
    assert "不能在此申请" in page and "外商投资企业设立登记由市市场监督管理局办理" in page


def test_without_javascript_continue_reveals_follow_ups_without_calling_them_errors(client, demo):
    answers = {**KAIBAN_LLC, "company_type": "partnership"}
    response = client.post(QUESTIONS, {**answers, "shown": ",".join(plan_for(KAIBAN, KAIBAN_LLC).visible)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "又出现了新的问题" in page and "新问题" in page
    assert "error-summary" not in page


def test_without_javascript_unanswered_questions_are_listed_in_the_error_summary(client, demo):
    response = client.post(QUESTIONS, {"company_type": "llc", "shown": "company_type,rep_present,premises"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "error-summary" in page
    assert '<a href="#q-rep_present-rep_yes">请回答“法定代表人' in page


def test_a_blocking_option_stops_continue_with_its_message_in_the_summary(client, demo):
    response = answer_all(client, {**KAIBAN_LLC, "premises": "home", "home_consent": "consent_no"})
    assert response.status_code == 400
    assert "须经有利害关系的业主同意" in response.content.decode()


def test_complete_answers_lead_to_the_one_time_notice(client, demo):
    response = answer_all(client)
    assert response.status_code == 302 and response["Location"] == PLAN
    page = client.get(PLAN).content.decode()
    plan = plan_for(KAIBAN, KAIBAN_LLC).to_dict()
    for item in plan["items"]:
        assert item["name"] in page
    assert "办理过程中产生，无需提交" in page and "由一件事综合申请表替代" in page
    assert "为什么要办：" in page and "因为您要开办的企业类型：有限责任公司" in page
    assert f"{plan['days']['total']} 个工作日" in page


def test_the_notice_pdf_lists_items_and_materials_from_the_answers_in_its_link(client, demo):
    query = "company_type=llc&rep_present=rep_yes&premises=lease&employees=staff_yes&invoices=invoice_yes"
    response = client.get(f"{reverse('integrated:notice_pdf', args=[KAIBAN])}?{query}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages))
    for item in plan_for(KAIBAN, KAIBAN_LLC).to_dict()["items"]:
        assert item["name"] in text
    assert "房屋租赁合同" in text and "办理过程中产生，无需提交" in text


def test_the_notice_needs_complete_answers(client, demo):
    assert client.get(reverse("integrated:notice_pdf", args=[KAIBAN]) + "?company_type=llc").status_code == 404
    assert client.get(PLAN).status_code == 302


def test_applying_needs_a_login(client, demo):
    answer_all(client)
    response = client.get(APPLY)
    assert response.status_code == 302 and response["Location"].startswith(reverse("cases:applicant_login"))


def _go_through(client, answers=KAIBAN_LLC):
    answer_all(client, answers)
    assert client.post(f"{APPLY}?step=kind", {"kind": "person"}).status_code == 302
    assert client.post(f"{APPLY}?step=details", {"name": "李青禾", "cert_number": synthetic_id_number(2),
                                                 "phone": "13800000002"}).status_code == 302
    response = client.post(f"{APPLY}?step=form", form_for(answers))
    assert response.status_code == 302, response.content.decode()[:3000]
    files = {}
    for i in range(len(requested_materials(plan_for(KAIBAN, answers).to_dict()))):
        files[f"m{i}"] = (SimpleUploadedFile(f"f{i}.pdf", PDF, content_type="application/pdf") if i % 2 else
                          SimpleUploadedFile(f"f{i}.png", png_bytes(), content_type="image/png"))
    response = client.post(f"{APPLY}?step=materials", files)
    assert response.status_code == 302, response.content.decode()[:3000]
    check = client.get(f"{APPLY}?step=check")
    assert check.status_code == 200
    return check


def test_one_form_one_set_of_files_check_and_submit_once(client, demo, applicant, tmp_path):
    check = _go_through(client)
    page = check.content.decode()
    assert "清河县青禾食品有限公司" in page and "有限责任公司" in page
    key = check.context["form"].initial["idempotency_key"]

    response = client.post(f"{APPLY}?step=check", {"idempotency_key": key, "confirm": "on"})
    assert response.status_code == 302
    bundle = IntegratedCase.objects.get()
    assert response["Location"] == f"{APPLY}?step=done&bundle={bundle.tracking_code}"
    uploads = len(requested_materials(plan_for(KAIBAN, KAIBAN_LLC).to_dict()))
    assert CaseFile.objects.values("file").distinct().count() == uploads
    assert not [p for p in (tmp_path / "drafts").rglob("*") if p.is_file()]  # the draft copies are gone

    done = client.get(response["Location"]).content.decode()
    assert bundle.query_password in done and f"/track/{bundle.tracking_code}/" in done
    for case in bundle.cases:
        assert case.number in done

    again = client.post(f"{APPLY}?step=check", {"idempotency_key": key, "confirm": "on"})
    assert again.status_code == 302 and IntegratedCase.objects.count() == 1
    assert Case.objects.count() == len(bundle.cases)


def test_the_bundle_tracking_page_shows_every_child_with_a_masked_name(client, demo, applicant):
    check = _go_through(client)
    client.post(f"{APPLY}?step=check", {"idempotency_key": check.context["form"].initial["idempotency_key"],
                                        "confirm": "on"})
    bundle = IntegratedCase.objects.get()
    client.logout()
    page = client.get(reverse("cases:track", args=[bundle.tracking_code])).content.decode()
    assert "开办企业" in page and "李**" in page and "李青禾" not in page
    for case in bundle.cases:
        assert case.item.name in page and case.number in page and case.section.name in page
    assert "办理中：已办结 0 个事项" in page
    # a child case keeps its own tracking page
    child = bundle.cases[0]
    assert client.get(reverse("cases:track", args=[child.tracking_code])).status_code == 200
    assert client.get(reverse("cases:track", args=["no-such-code"])).status_code == 404


def test_my_cases_lists_the_applicants_bundles(client, demo, applicant):
    check = _go_through(client)
    client.post(f"{APPLY}?step=check", {"idempotency_key": check.context["form"].initial["idempotency_key"],
                                        "confirm": "on"})
    page = client.get(reverse("cases:my_cases")).content.decode()
    assert "我的一件事" in page and "开办企业" in page
    assert client.get(reverse("integrated:my_bundles")).status_code == 200


def test_a_bad_form_value_is_shown_next_to_its_field(client, demo, applicant):
    answer_all(client)
    client.post(f"{APPLY}?step=kind", {"kind": "person"})
    client.post(f"{APPLY}?step=details", {"name": "李青禾", "cert_number": synthetic_id_number(2), "phone": "13800000002"})
    response = client.post(f"{APPLY}?step=form", {**form_for(KAIBAN_LLC), "registered_capital": "五十"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "error-summary" in page and "应填写不小于 0 的数字" in page

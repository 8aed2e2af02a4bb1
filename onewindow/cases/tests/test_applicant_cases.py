"""My cases: an applicant sees and acts on their own cases only — list, detail, correction upload,
withdrawal and the notices they may download."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from onewindow.cases import services
from onewindow.cases.auth import applicant_phone, register_applicant
from onewindow.cases.choices import Action, MaterialStatus, Status
from onewindow.cases.models import Case, CaseFile
from onewindow.org.choices import Role
from onewindow.testing import make_county, make_department, make_item, make_user, person

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def county():
    return make_county()


@pytest.fixture
def item(county):
    return make_item(make_department(), handling_forms=["1", "2"])


@pytest.fixture
def clerk(county):
    return make_user("clerk", Role.CLERK, centre=county)


@pytest.fixture
def owner():
    return register_applicant(phone="13800000001", name="张三", password="Spring-field-2026")


@pytest.fixture
def outsider():
    return register_applicant(phone="13800000002", name="李四", password="Spring-field-2026")


def _apply(user, item, seed, name):
    return services.submit_online(actor=user, item=item, applicant=person(seed, name=name, phone=applicant_phone(user))).case


@pytest.fixture
def own_case(owner, item):
    return _apply(owner, item, 1, "张三")


@pytest.fixture
def other_case(outsider, item):
    return _apply(outsider, item, 2, "李四")


def test_my_cases_lists_only_my_own_cases(client, owner, own_case, other_case):
    client.force_login(owner)
    response = client.get(reverse("cases:my_cases"))
    html = response.content.decode()
    assert own_case.number in html and other_case.number not in html
    assert "网上申请待预审" in html
    assert "no-store" in response["Cache-Control"] and response["X-Robots-Tag"].startswith("noindex")


def test_another_applicants_case_number_is_not_found(client, owner, own_case, other_case):
    client.force_login(owner)
    assert client.get(reverse("cases:my_case_detail", args=[own_case.number])).status_code == 200
    assert client.get(reverse("cases:my_case_detail", args=[other_case.number])).status_code == 404


def test_staff_accounts_see_no_cases_under_my_cases(client, clerk, own_case):
    client.force_login(clerk)
    assert own_case.number not in client.get(reverse("cases:my_cases")).content.decode()
    assert client.get(reverse("cases:my_case_detail", args=[own_case.number])).status_code == 404


def test_the_detail_shows_the_timeline_materials_and_the_query_password(client, owner, own_case):
    client.force_login(owner)
    html = client.get(reverse("cases:my_case_detail", args=[own_case.number])).content.decode()
    assert "网上提交申请" in html and own_case.query_password in html
    assert "营业执照复印件" in html and "未收" in html
    assert reverse("cases:track", args=[own_case.tracking_code]) in html


def test_internal_opinions_stay_internal_and_the_decision_is_shown(client, owner, own_case, clerk, item):
    approver = make_user("approver", Role.APPROVER, department=item.department, section=item.department.sections.first())
    case = services.prereview_pass(actor=clerk, case=own_case, opinion="内部意见：申请人电话已核实")
    for material in case.materials.all():
        services.upload_material(actor=owner, case=case, material=material,
                                 upload=SimpleUploadedFile(f"{material.pk}.pdf", PDF))
    case = services.accept_case(actor=clerk, case=case, opinion="内部意见：材料齐全")
    case = services.start_review(actor=approver, case=case)
    case = services.decide_case(actor=approver, case=case, approve=True, opinion="符合条件，准予许可")
    client.force_login(owner)
    html = client.get(reverse("cases:my_case_detail", args=[case.number])).content.decode()
    assert "符合条件，准予许可" in html and "办结：准予许可" in html
    assert "内部意见" not in html
    assert reverse("cases:track_notice", args=[case.tracking_code, "decision"]) in html
    assert reverse("cases:track_notice", args=[case.tracking_code, "receipt"]) in html


def test_the_owner_withdraws_their_application(client, owner, own_case):
    client.force_login(owner)
    url = reverse("cases:my_case_detail", args=[own_case.number])
    response = client.post(url, {"action": "withdraw", "reason": "不需要了", "version": own_case.version})
    assert response.status_code == 302
    own_case.refresh_from_db()
    assert own_case.status == Status.WITHDRAWN
    event = own_case.events.get(action=Action.WITHDRAW)
    assert event.actor == owner and event.opinion == "不需要了"
    html = client.get(url).content.decode()
    assert "申请已撤回" in html and 'value="withdraw"' not in html


def test_a_stale_withdraw_form_is_refused_with_a_message(client, owner, own_case):
    client.force_login(owner)
    url = reverse("cases:my_case_detail", args=[own_case.number])
    response = client.post(url, {"action": "withdraw", "version": own_case.version + 100})
    assert response.status_code == 200 and "已被其他人修改" in response.content.decode()
    own_case.refresh_from_db()
    assert own_case.status == Status.SUBMITTED


def test_another_applicant_cannot_withdraw_my_case(client, outsider, own_case):
    client.force_login(outsider)
    url = reverse("cases:my_case_detail", args=[own_case.number])
    assert client.post(url, {"action": "withdraw", "version": own_case.version}).status_code == 404
    own_case.refresh_from_db()
    assert own_case.status == Status.SUBMITTED


def test_the_owner_uploads_corrected_materials(client, owner, own_case, clerk):
    services.request_correction(actor=clerk, case=own_case, items=[
        {"material": "营业执照复印件", "problem": "复印件不清晰，请重新扫描"}], note="请一次补齐")
    client.force_login(owner)
    url = reverse("cases:my_case_detail", args=[own_case.number])
    html = client.get(url).content.decode()
    assert "需要补正材料" in html and "复印件不清晰，请重新扫描" in html
    material = own_case.materials.get(name="营业执照复印件")

    response = client.post(url, {"action": "correction",
                                 f"m{material.pk}": SimpleUploadedFile("licence-new.pdf", PDF)})
    assert response.status_code == 302
    own_case.refresh_from_db()
    assert own_case.status == Status.SUBMITTED  # back to the clerk's pre-review
    assert own_case.corrections.get().received_at is not None
    stored = CaseFile.objects.get(case=own_case)
    assert stored.material == material and stored.uploaded_by == owner
    material.refresh_from_db()
    assert material.status == MaterialStatus.RECEIVED
    assert own_case.events.filter(action=Action.RECEIVE_CORRECTION, actor=owner).exists()


def test_a_bad_correction_file_changes_nothing(client, owner, own_case, clerk):
    services.request_correction(actor=clerk, case=own_case, items=[{"material": "营业执照复印件", "problem": "不清晰"}])
    client.force_login(owner)
    material = own_case.materials.get(name="营业执照复印件")
    response = client.post(reverse("cases:my_case_detail", args=[own_case.number]), {
        "action": "correction", f"m{material.pk}": SimpleUploadedFile("licence.pdf", b"GIF89a")})
    assert response.status_code == 200 and "不是有效的 PDF 文件" in response.content.decode()
    own_case.refresh_from_db()
    assert own_case.status == Status.CORRECTION and not CaseFile.objects.exists()


def test_another_applicant_cannot_upload_to_my_correction(client, outsider, own_case, clerk):
    services.request_correction(actor=clerk, case=own_case, items=[{"material": "营业执照复印件", "problem": "不清晰"}])
    client.force_login(outsider)
    material = own_case.materials.get(name="营业执照复印件")
    response = client.post(reverse("cases:my_case_detail", args=[own_case.number]), {
        "action": "correction", f"m{material.pk}": SimpleUploadedFile("licence.pdf", PDF)})
    assert response.status_code == 404
    assert not CaseFile.objects.exists()


def test_window_cases_of_a_known_applicant_appear_too(client, owner, own_case, clerk, item, county):
    window_case = services.receive_case(actor=clerk, item=item, applicant=person(1, name="张三"), centre=county).case
    client.force_login(owner)
    assert window_case.number in client.get(reverse("cases:my_cases")).content.decode()
    assert Case.objects.visible_to(owner).count() == 2

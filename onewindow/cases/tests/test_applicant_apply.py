"""Online application: one question per page, uploads checked before any case exists, check your answers,
an idempotent submit and a confirmation with the case number and query password."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from onewindow.cases import services
from onewindow.cases.auth import register_applicant
from onewindow.cases.choices import Channel, MaterialStatus, Status
from onewindow.cases.models import Case, CaseFile
from onewindow.testing import credit_code, make_county, make_department, make_item, synthetic_id_number

pytestmark = pytest.mark.django_db

PASSWORD = "Spring-field-2026"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, format="PNG")
    return buffer.getvalue()


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
def applicant(client):
    user = register_applicant(phone="13800000001", name="张三", password=PASSWORD)
    client.force_login(user)
    return user


def _url(item, step=""):
    url = reverse("cases:apply", args=[item.implementation_code])
    return f"{url}?step={step}" if step else url


def _materials(item):
    return item.guides.get(status="published").materials


def _answer_questions(client, item, seed=1):
    assert client.post(_url(item, "kind"), {"kind": "person"}).status_code == 302
    response = client.post(_url(item, "details"), {"name": "张三", "cert_number": synthetic_id_number(seed),
                                                   "phone": "13800000001"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.post(_url(item, "agent"), {"has_agent": "no"}).status_code == 302


def _upload_all(client, item):
    first, second = _materials(item)
    return client.post(_url(item, "materials"), {
        f"m{first['id']}": SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf"),
        f"m{second['id']}": SimpleUploadedFile("id-card.png", png_bytes(), content_type="image/png"),
    })


def _submit(client, item):
    check = client.get(_url(item, "check"))
    assert check.status_code == 200
    key = check.context["form"].initial["idempotency_key"]
    return key, client.post(_url(item, "check"), {"idempotency_key": key, "confirm": "on"})


def test_it_takes_an_application_from_questions_to_confirmation(client, item, applicant, tmp_path):
    _answer_questions(client, item)
    response = _upload_all(client, item)
    assert response.status_code == 302 and response["Location"].endswith("?step=check")
    check = client.get(_url(item, "check"))
    html = check.content.decode()
    assert "licence.pdf" in html and "id-card.png" in html and synthetic_id_number(1) in html
    assert "更改" in html

    key, response = _submit(client, item)
    assert response.status_code == 302 and "step=done" in response["Location"]
    case = Case.objects.get()
    assert case.status == Status.SUBMITTED
    assert case.channel == Channel.ONLINE_PC
    assert case.applicant.user == applicant and case.applicant.name == "张三"
    files = CaseFile.objects.filter(case=case).order_by("original_name")
    assert [f.original_name for f in files] == ["id-card.png", "licence.pdf"]
    assert {f.content_type for f in files} == {"application/pdf", "image/png"}
    assert all(f.uploaded_by == applicant for f in files)
    assert set(case.materials.values_list("status", flat=True)) == {MaterialStatus.RECEIVED}
    assert files[1].file.read() == PDF
    assert not [p for p in tmp_path.glob("drafts/*") if p.is_file()]  # the draft's copies are gone

    done = client.get(response["Location"])
    page = done.content.decode()
    assert case.number in page and case.query_password in page
    assert reverse("cases:track", args=[case.tracking_code]) in page
    assert "窗口工作人员将在1个工作日内预审" in page
    assert done["Cache-Control"].count("no-store") == 1 and "private" in done["Cache-Control"]


def test_submitting_twice_with_the_same_key_makes_one_case(client, item, applicant):
    _answer_questions(client, item)
    _upload_all(client, item)
    key, first = _submit(client, item)
    again = client.post(_url(item, "check"), {"idempotency_key": key, "confirm": "on"})
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Case.objects.count() == 1 and CaseFile.objects.count() == 2


def test_the_service_returns_the_same_case_for_the_same_key(item, applicant):
    data = services.ApplicantData(kind="person", name="张三", cert_type="111", cert_number=synthetic_id_number(1),
                                  phone="13800000001")
    one = services.submit_online(actor=applicant, item=item, applicant=data, idempotency_key="k" * 32)
    two = services.submit_online(actor=applicant, item=item, applicant=data, idempotency_key="k" * 32)
    assert one.created and not two.created and one.case.pk == two.case.pk


def test_a_file_whose_content_is_not_what_its_name_says_is_refused_before_any_case(client, item, applicant):
    _answer_questions(client, item)
    first, second = _materials(item)
    response = client.post(_url(item, "materials"), {
        f"m{first['id']}": SimpleUploadedFile("licence.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf"),
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert "不是有效的 PDF 文件" in html and f'href="#id_m{first["id"]}"' in html
    assert client.get(_url(item, "check")).status_code == 302  # can't skip ahead
    assert not Case.objects.exists() and not CaseFile.objects.exists()


def test_a_wrong_extension_is_refused(client, item, applicant):
    _answer_questions(client, item)
    first, _second = _materials(item)
    response = client.post(_url(item, "materials"), {
        f"m{first['id']}": SimpleUploadedFile("licence.docx", PDF)})
    assert "只能上传 PDF、JPG 或 PNG 文件" in response.content.decode()


@override_settings(MAX_UPLOAD_BYTES=20)
def test_a_file_over_the_size_limit_is_refused_with_the_limit_named(client, item, applicant):
    _answer_questions(client, item)
    response = _upload_all(client, item)
    html = response.content.decode()
    assert response.status_code == 200
    assert "文件太大" in html and "20\xa0字节" in html
    assert not Case.objects.exists()


def test_a_good_file_is_kept_while_a_bad_one_is_asked_again(client, item, applicant):
    _answer_questions(client, item)
    first, second = _materials(item)
    response = client.post(_url(item, "materials"), {
        f"m{first['id']}": SimpleUploadedFile("licence.pdf", b"not a pdf"),
        f"m{second['id']}": SimpleUploadedFile("id-card.png", png_bytes()),
    })
    assert "已上传：id-card.png" in response.content.decode()
    response = client.post(_url(item, "materials"), {
        f"m{first['id']}": SimpleUploadedFile("licence.pdf", PDF)})
    assert response.status_code == 302
    _key, response = _submit(client, item)
    assert CaseFile.objects.count() == 2


def test_a_required_material_must_be_uploaded(client, item, applicant):
    _answer_questions(client, item)
    first, second = _materials(item)
    response = client.post(_url(item, "materials"), {
        f"m{second['id']}": SimpleUploadedFile("id-card.png", png_bytes())})
    assert f"请上传“{first['name']}”" in response.content.decode()


def test_a_deferrable_material_may_be_left_for_later(client, item, applicant):
    _answer_questions(client, item)
    first, second = _materials(item)
    assert second["necessity"] == "deferrable"
    response = client.post(_url(item, "materials"), {
        f"m{first['id']}": SimpleUploadedFile("licence.pdf", PDF)})
    assert response.status_code == 302
    _submit(client, item)
    case = Case.objects.get()
    assert case.materials.get(guide_material_id=second["id"]).status == MaterialStatus.MISSING


def test_a_failure_while_attaching_files_leaves_no_case_behind(client, item, applicant, monkeypatch, tmp_path):
    _answer_questions(client, item)
    _upload_all(client, item)
    calls = []
    real = services.upload_material

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise services.ValidationError({"file": ["磁盘已满"]})
        return real(**kwargs)

    monkeypatch.setattr(services, "upload_material", flaky)
    _key, response = _submit(client, item)
    assert response.status_code == 200 and "磁盘已满" in response.content.decode()
    assert not Case.objects.exists() and not CaseFile.objects.exists()
    assert not [p for p in tmp_path.glob("cases/**/*") if p.is_file()]  # the one stored file was removed again
    assert len([p for p in tmp_path.glob("drafts/*") if p.is_file()]) == 2  # the draft keeps its files
    monkeypatch.setattr(services, "upload_material", real)
    _key, response = _submit(client, item)  # the draft is intact: submitting again works
    assert response.status_code == 302 and Case.objects.count() == 1 and CaseFile.objects.count() == 2


def test_the_details_step_checks_the_id_number_and_links_the_error(client, item, applicant):
    client.post(_url(item, "kind"), {"kind": "person"})
    response = client.post(_url(item, "details"), {"name": "张三", "cert_number": "990000198001010000",
                                                   "phone": "13800000001"})
    html = response.content.decode()
    assert 'href="#id_cert_number"' in html and "校验位不正确" in html
    assert "<title>错误：" in html


def test_an_enterprise_applies_with_its_credit_code_and_an_agent(client, item, applicant):
    client.post(_url(item, "kind"), {"kind": "enterprise"})
    response = client.post(_url(item, "details"), {"name": "测试餐饮有限公司", "cert_number": credit_code(77),
                                                   "legal_representative": "王五", "phone": "13800000001"})
    assert response.status_code == 302
    response = client.post(_url(item, "agent"), {"has_agent": "yes", "agent_name": "赵六",
                                                 "agent_cert_number": synthetic_id_number(5), "agent_phone": "13900000005"})
    assert response.status_code == 302
    _upload_all(client, item)
    _submit(client, item)
    case = Case.objects.get()
    assert case.applicant.kind == "enterprise" and case.applicant.legal_representative == "王五"
    assert case.agent_name == "赵六" and case.agent_phone == "13900000005"


def test_the_agent_step_asks_for_the_agent_when_there_is_one(client, item, applicant):
    _answer_questions(client, item)
    response = client.post(_url(item, "agent"), {"has_agent": "yes"})
    html = response.content.decode()
    assert "请输入代理人姓名" in html and "请输入代理人居民身份证号码" in html


def test_steps_cannot_be_skipped(client, item, applicant):
    response = client.get(_url(item, "check"))
    assert response.status_code == 302 and response["Location"].endswith("?step=kind")


def test_it_needs_a_login(client, item):
    response = client.get(_url(item))
    assert response.status_code == 302 and response["Location"].startswith(reverse("cases:applicant_login"))


def test_an_item_without_online_handling_says_where_to_go(client, county, applicant):
    window_only = make_item(make_department(2, "测试县民政局"), basic_code="000999888000", handling_forms=["1"])
    response = client.get(_url(window_only))
    assert response.status_code == 200 and "暂不支持网上办理" in response.content.decode()
    assert not Case.objects.exists()


def test_the_guide_page_offers_online_application_only_for_online_items(client, item, county):
    page = client.get(reverse("portal:guide", args=[item.implementation_code])).content.decode()
    assert _url(item) in page
    window_only = make_item(make_department(2, "测试县民政局"), basic_code="000999888000", handling_forms=["1"])
    page = client.get(reverse("portal:guide", args=[window_only.implementation_code])).content.decode()
    assert _url(window_only) not in page


def test_the_confirmation_page_is_only_for_the_owner(client, item, applicant):
    _answer_questions(client, item)
    _upload_all(client, item)
    _key, response = _submit(client, item)
    other = register_applicant(phone="13800000009", name="李四", password=PASSWORD)
    client.force_login(other)
    assert client.get(response["Location"]).status_code == 404

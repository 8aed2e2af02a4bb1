"""Submitting an integrated service online: one bundle, one child case per item in its own section, each
shared file stored once, an idempotent retry, and bad answers refused before anything is written."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from onewindow.audit.models import AuditEvent
from onewindow.cases.auth import register_applicant
from onewindow.cases.choices import Channel, Status
from onewindow.cases.choices import MaterialStatus as CaseMaterialStatus
from onewindow.cases.models import Case, CaseFile
from onewindow.integrated.bundles import submit_bundle
from onewindow.integrated.choices import BundleState
from onewindow.integrated.engine import plan_for
from onewindow.integrated.models import IntegratedCase, IntegratedCaseChild
from onewindow.testing import person

from .flow_helpers import KAIBAN, KAIBAN_LLC, form_for, uploads_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def applicant_user(db):
    return register_applicant(phone="13800000002", name="李青禾", password="Spring-field-2026")


def submit(user, answers=KAIBAN_LLC, key="a" * 32, **changes):
    changes.setdefault("form_data", form_for(answers) if "form_data" not in changes else None)
    changes.setdefault("uploads", uploads_for(answers) if "uploads" not in changes else None)
    return submit_bundle(actor=user, service_code=KAIBAN, answers=answers, channel=Channel.MOBILE,
                         applicant=person(2, name="李青禾", phone="13800000002"), idempotency_key=key, **changes)


def nothing_written():
    return not IntegratedCase.objects.exists() and not Case.objects.exists() and not CaseFile.objects.exists()


def test_it_creates_the_bundle_and_one_child_case_per_item_in_its_own_section(demo, applicant_user):
    result = submit(applicant_user)

    bundle = IntegratedCase.objects.with_children().get(pk=result.bundle.pk)
    assert result.created
    plan = plan_for(KAIBAN, KAIBAN_LLC).to_dict()
    assert [c.item.implementation_code for c in bundle.cases] == [i["code"] for i in plan["items"]]
    for case, item in zip(bundle.cases, plan["items"], strict=True):
        assert case.status == Status.SUBMITTED
        assert case.section is not None and case.section.name == item["section"]
        assert case.department.name == item["department"]
        assert case.applicant == bundle.applicant
        assert case.form_data["enterprise_name"] == "清河县青禾食品有限公司"
        assert case.form_data["integrated"] == {"service": KAIBAN, "version": bundle.version.number, "bundle": bundle.pk}
    assert len({c.section_id for c in bundle.cases}) >= 5  # routed to the sections of five departments and a bank
    assert bundle.version.number == plan["service"]["version"]
    assert bundle.plan["items"] == plan["items"]
    assert bundle.form_data["company_type"] == "有限责任公司"  # decided by the answer, not typed again
    assert len(bundle.tracking_code) >= 20 and len(bundle.query_password) == 6
    assert bundle.channel == Channel.MOBILE
    assert AuditEvent.objects.filter(action="integrated_submitted", object_id=str(bundle.pk)).count() == 1


def test_each_shared_material_is_stored_once_and_filed_with_every_child_that_needs_it(demo, applicant_user, tmp_path):
    uploads = uploads_for(KAIBAN_LLC)
    result = submit(applicant_user, uploads=uploads)

    children = result.bundle.cases
    files = CaseFile.objects.filter(case__in=children)
    stored_names = set(files.values_list("file", flat=True))
    assert len(stored_names) == len(uploads)  # one stored file per material, however many items need it
    assert files.count() > len(uploads)  # … and a file row for every child that needs it
    on_disk = [p for p in (tmp_path / "cases").rglob("*") if p.is_file()]
    assert len(on_disk) == len(uploads)
    legal_rep = files.filter(material__kind="legal_rep_id")
    assert legal_rep.count() == 5 and len(set(legal_rep.values_list("file", flat=True))) == 1
    assert all(f.material.status == CaseMaterialStatus.RECEIVED for f in legal_rep)


def test_materials_the_event_supplies_itself_are_registered_with_the_reason(demo, applicant_user):
    bundle = submit(applicant_user).bundle
    seal = next(c for c in bundle.cases if c.item.name == "公章刻制备案")
    licence = seal.materials.get(kind="business_licence")
    assert licence.status == CaseMaterialStatus.RECEIVED
    assert "公司设立登记" in licence.note and "无需提交" in licence.note
    registration = bundle.cases[0]
    form = registration.materials.get(kind="application_form")
    assert form.status == CaseMaterialStatus.RECEIVED and "综合申请表" in form.note


def test_submitting_again_with_the_same_key_returns_the_first_bundle(demo, applicant_user):
    first = submit(applicant_user)
    cases, files = Case.objects.count(), CaseFile.objects.count()

    again = submit(applicant_user)

    assert not again.created and again.bundle.pk == first.bundle.pk
    assert (Case.objects.count(), CaseFile.objects.count()) == (cases, files)
    assert IntegratedCase.objects.count() == 1


def test_another_key_makes_another_bundle(demo, applicant_user):
    submit(applicant_user)
    submit(applicant_user, key="b" * 32)
    assert IntegratedCase.objects.count() == 2
    assert IntegratedCaseChild.objects.count() == 2 * len(plan_for(KAIBAN, KAIBAN_LLC).items)


@pytest.mark.parametrize(("answers", "message"), [
    ({**KAIBAN_LLC, "company_type": "no-such-option"}, "不属于该问题"),
    ({k: v for k, v in KAIBAN_LLC.items() if k != "premises"}, "请回答“住所（经营场所）情况”"),
    ({**KAIBAN_LLC, "company_type": "foreign"}, "外商投资企业设立登记由市市场监督管理局办理"),
    ({**KAIBAN_LLC, "premises": "home", "home_consent": "consent_no"}, "须经有利害关系的业主同意"),
])
def test_bad_answers_are_refused_with_a_clear_message_and_nothing_is_written(demo, applicant_user, answers, message):
    with pytest.raises(ValidationError) as raised:
        submit(applicant_user, answers=answers, form_data=form_for(KAIBAN_LLC), uploads=uploads_for(KAIBAN_LLC))
    assert any(message in m for m in raised.value.message_dict["answers"])
    assert nothing_written()


def test_a_missing_required_form_field_or_file_is_refused_and_nothing_is_written(demo, applicant_user):
    form = form_for(KAIBAN_LLC)
    del form["business_scope"]
    with pytest.raises(ValidationError) as raised:
        submit(applicant_user, form_data=form)
    assert raised.value.message_dict["form"] == ["请填写“经营范围（按规范表述填写）”。"]

    uploads = uploads_for(KAIBAN_LLC)
    del uploads["articles_of_association"]
    with pytest.raises(ValidationError) as raised:
        submit(applicant_user, uploads=uploads)
    assert raised.value.message_dict["materials"] == ["请上传“全体股东签署的公司章程”。"]
    assert nothing_written()


def test_a_file_whose_content_is_not_what_its_name_says_is_refused(demo, applicant_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploads = uploads_for(KAIBAN_LLC)
    uploads["articles_of_association"] = SimpleUploadedFile("articles.pdf", b"not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as raised:
        submit(applicant_user, uploads=uploads)
    assert "不是有效的 PDF 文件" in raised.value.message_dict["materials"][0]
    assert nothing_written()


def test_a_bad_form_value_names_its_field(demo, applicant_user):
    with pytest.raises(ValidationError) as raised:
        submit(applicant_user, form_data={**form_for(KAIBAN_LLC), "registered_capital": "五十万",
                                          "contact_phone": "12"})
    assert raised.value.message_dict["form"] == ["“联系电话”的格式不正确（手机11位，或区号-号码）。",
                                                 "“注册资本（出资额，万元）”应填写不小于 0 的数字。"]
    assert nothing_written()


def test_a_failure_inside_the_transaction_leaves_no_case_and_no_stored_file(demo, applicant_user, tmp_path, monkeypatch):
    from onewindow.integrated import bundles

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bundles, "record_event", boom)
    with pytest.raises(RuntimeError):
        submit(applicant_user)
    assert nothing_written()
    assert not [p for p in (tmp_path / "cases").rglob("*") if p.is_file()]


def test_the_parent_status_sums_up_its_children(demo, applicant_user):
    bundle = IntegratedCase.objects.with_children().get(pk=submit(applicant_user).bundle.pk)
    status = bundle.status
    assert status.state == BundleState.IN_PROGRESS
    assert status.total == len(bundle.cases) and status.done == 0
    assert status.counts == [("网上申请待预审", len(bundle.cases))]

    first, *rest = bundle.cases
    first.status = Status.CORRECTION
    assert bundle.status.state == BundleState.CORRECTION
    first.status = Status.REFUSED
    status = bundle.status
    assert status.state == BundleState.ATTENTION and status.failed == [first]
    for case in bundle.cases:
        case.status = Status.APPROVED
    assert bundle.status.state == BundleState.DONE
    rest[0].status = Status.DENIED
    assert bundle.status.state == BundleState.ATTENTION
    for case in bundle.cases:
        case.status = Status.WITHDRAWN
    assert bundle.status.state == BundleState.WITHDRAWN

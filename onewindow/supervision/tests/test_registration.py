"""双告知: at acceptance the applicant is told which post-registration permits the declared scope needs and
signs a promise; after registration the record goes to the competent departments, or to the pool."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from onewindow.core.errors import ConflictError, ForbiddenError
from onewindow.outbox.models import OutboxMessage
from onewindow.supervision import services
from onewindow.supervision.choices import HandoffKind
from onewindow.supervision.models import Handoff, RegistrationNotice
from onewindow.supervision.testing import enterprise
from onewindow.testing import PASSWORD

pytestmark = pytest.mark.django_db

SCOPE = "餐饮服务；理发服务；卷烟零售；日用百货销售"


def _registration(world, scope=SCOPE):
    return world.accepted(world.registration, applicant=enterprise(), form_data={"business_scope": scope})


def test_acceptance_issues_the_notice_with_the_permits_of_the_declared_scope(world):
    case = _registration(world)
    notice = RegistrationNotice.objects.get(case=case)
    assert [p["permit"] for p in notice.permits] == ["食品经营许可", "公共场所卫生许可", "烟草专卖零售许可"]
    assert [d["name"] for d in notice.permits[0]["departments"]] == ["测试县行政审批局"]  # the item's department
    assert notice.permits[2]["departments"] == []
    sms = OutboxMessage.objects.get(channel="sms", topic="registration.notice")
    assert "食品经营许可、公共场所卫生许可、烟草专卖零售许可" in sms.payload["text"]
    assert f"/supervision/notice/{case.tracking_code}.pdf" in sms.payload["text"]


def test_other_items_get_no_notice(world):
    assert not RegistrationNotice.objects.filter(case=world.accepted(world.food)).exists()


def test_the_notice_pdf_lists_the_permits_and_the_promise(world):
    case = _registration(world)
    response = Client().get(f"/supervision/notice/{case.tracking_code}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for phrase in ("双告知", "食品经营许可", "公共场所卫生许可", "烟草专卖零售许可", "承诺书", case.number):
        assert phrase in text
    assert Client().get("/supervision/notice/not-a-code.pdf").status_code == 404


def test_the_window_records_the_signed_promise_once(world):
    notice = RegistrationNotice.objects.get(case=_registration(world))
    with pytest.raises(ForbiddenError):
        services.record_promise(actor=world.user("approver"), notice=notice, signer="李四")
    notice = services.record_promise(actor=world.user("clerk"), notice=notice, signer="李四")
    assert notice.promise_signed and notice.promise_signer == "李四"
    with pytest.raises(ConflictError):
        services.record_promise(actor=world.user("clerk"), notice=notice, signer="李四")
    with pytest.raises(ConflictError):
        services.update_business_scope(actor=world.user("clerk"), notice=notice, business_scope="餐饮")


def test_the_clerk_corrects_the_scope_and_the_permits_follow(world):
    notice = RegistrationNotice.objects.get(case=_registration(world, scope=""))
    assert notice.permits == []
    notice = services.update_business_scope(actor=world.user("clerk"), notice=notice, business_scope="小吃店经营")
    assert [p["permit"] for p in notice.permits] == ["食品经营许可"]


def test_registration_pushes_to_the_competent_departments_and_the_pool(world):
    case = _registration(world)
    approver = world.user("approver")
    from onewindow.cases import services as cases

    case = cases.start_review(actor=approver, case=case)
    cases.decide_case(actor=approver, case=case, approve=True, opinion="准予登记")
    pushed = {(h.department.name if h.department else "pool"): h
              for h in Handoff.objects.filter(case=case, kind=HandoffKind.REGISTRATION)}
    assert set(pushed) == {"测试县行政审批局", "测试县卫生健康局", "pool"}
    assert [p["permit"] for p in pushed["pool"].data["permits"]] == ["烟草专卖零售许可"]
    assert pushed["测试县卫生健康局"].data["business_scope"] == SCOPE
    assert RegistrationNotice.objects.get(case=case).pushed_at is not None
    # The registration item's own supervisor gets the approval as usual.
    assert Handoff.objects.get(case=case, kind=HandoffKind.APPROVAL).department == world.market


def test_a_scope_matching_no_permit_is_published_to_the_pool(world):
    case = world.decided(world.registration, applicant=enterprise(), form_data={"business_scope": "软件开发"})
    handoff = Handoff.objects.get(case=case, kind=HandoffKind.REGISTRATION)
    assert handoff.department is None and "未匹配" in handoff.summary


def test_the_registration_page_shows_the_notice_to_the_clerk(world):
    case = _registration(world)
    client = Client()
    client.login(username="clerk", password=PASSWORD)
    page = client.get(f"/supervision/registrations/{case.number}/").content.decode()
    assert "烟草专卖零售许可" in page and "认领池" in page
    response = client.post(f"/supervision/registrations/{case.number}/", {"action": "promise", "signer": ""})
    assert response.status_code == 400 and "error-summary" in response.content.decode()
    response = client.post(f"/supervision/registrations/{case.number}/",
                           {"action": "promise", "signer": "李四", "confirm": "on"})
    assert response.status_code == 302
    assert RegistrationNotice.objects.get(case=case).promise_signer == "李四"
    pdf = client.get(f"/supervision/registrations/{case.number}/notice.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

"""The general-window workbench (/staff/intake/) as a clerk drives it: find the applicant, pick the item,
tick the materials, then one of the four outcomes."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from onewindow.cases.choices import Action, MaterialStatus, Status
from onewindow.cases.forms import DEFAULT_PROMISE
from onewindow.cases.models import Applicant, Case
from onewindow.catalog.choices import CaseKind
from onewindow.org.choices import CentreLevel
from onewindow.testing import (
    Role,
    make_centre,
    make_county,
    make_department,
    make_item,
    make_user,
    person,
    synthetic_id_number,
)

pytestmark = pytest.mark.django_db

URL = "/staff/intake/"


@pytest.fixture
def county():
    return make_county()


@pytest.fixture
def dept():
    return make_department()


@pytest.fixture
def item(dept):
    return make_item(dept, promised_days=5, statutory_days=20, materials=3)


@pytest.fixture
def instant_item(dept):
    return make_item(dept, basic_code="000123456009", name="个体户名称变更登记", promised_days=0, statutory_days=5,
                     case_kind=CaseKind.INSTANT)


@pytest.fixture
def clerk(county):
    return make_user("clerk", Role.CLERK, centre=county)


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def _materials(item):
    return item.guides.get(status="published").materials


def _form(item, action, *, ticked=None, key=None, **extra):
    materials = _materials(item)
    ids = [m["id"] for m in materials] if ticked is None else ticked
    data = {
        "kind": "person", "cert_type": "111", "cert_number": synthetic_id_number(7), "name": "王小明",
        "phone": "13912345678", "item": str(item.pk), "materials": [str(i) for i in ids],
        "idempotency_key": key or uuid.uuid4().hex, "action": action, "promise_text": DEFAULT_PROMISE,
    }
    data.update(extra)
    return data


def test_the_intake_page_renders_with_a_fresh_idempotency_key(clerk_client):
    first = clerk_client.get(URL)
    second = clerk_client.get(URL)
    assert first.status_code == 200
    assert 'name="idempotency_key"' in first.content.decode()
    assert first.context["form"].initial["idempotency_key"] != second.context["form"].initial["idempotency_key"]


def test_it_receives_and_accepts_with_one_deferred_material(clerk_client, item):
    materials = _materials(item)
    deferrable = next(m for m in materials if m["necessity"] == "deferrable")
    others = [m["id"] for m in materials if m["id"] != deferrable["id"]]
    promised = dt.date.today() + dt.timedelta(days=12)
    data = _form(item, "accept", ticked=others, **{f"promise_{deferrable['id']}": promised.isoformat()})
    response = clerk_client.post(URL, data)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_detail", args=[case.number])
    assert case.status == Status.ACCEPTED and case.has_pending_materials
    pending = case.materials.get(guide_material_id=deferrable["id"])
    assert pending.status == MaterialStatus.PENDING and pending.promised_by == promised
    assert list(case.events.values_list("action", flat=True)) == [Action.RECEIVE, Action.ACCEPT_PENDING]
    page = clerk_client.get(response["Location"]).content.decode()
    assert "容缺受理承诺书" in page and "受理通知书" in page and "收件凭证" in page


def test_a_deferrable_material_without_a_date_or_tick_is_a_field_error(clerk_client, item):
    materials = _materials(item)
    deferrable = next(m for m in materials if m["necessity"] == "deferrable")
    others = [m["id"] for m in materials if m["id"] != deferrable["id"]]
    response = clerk_client.post(URL, _form(item, "accept", ticked=others))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert f'href="#id_promise_{deferrable["id"]}"' in html
    assert "承诺补齐日期" in html
    assert not Case.objects.exists()


def test_a_missing_required_material_cannot_be_accepted(clerk_client, item):
    materials = _materials(item)
    required = [m for m in materials if m["necessity"] == "required"]
    ticked = [m["id"] for m in materials if m["id"] != required[0]["id"]]
    response = clerk_client.post(URL, _form(item, "accept", ticked=ticked))
    assert response.status_code == 400
    assert 'href="#id_materials"' in response.content.decode()
    assert required[0]["name"] in response.content.decode()
    assert not Case.objects.exists()


def test_an_instant_item_is_completed_at_the_window(clerk_client, instant_item):
    response = clerk_client.post(URL, _form(instant_item, "instant"))
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.status == Status.APPROVED and case.delivered_at is not None and case.visits == 1


def test_a_promised_item_cannot_be_handled_as_instant(clerk_client, item):
    response = clerk_client.post(URL, _form(item, "instant"))
    assert response.status_code == 400
    assert "不是即办件" in response.content.decode()
    assert not Case.objects.exists()


def test_a_correction_lists_every_unticked_material_and_the_problems_written(clerk_client, item):
    materials = _materials(item)
    ticked = [materials[0]["id"]]
    data = _form(item, "correction", ticked=ticked, note="请一次补齐",
                 **{f"problem_{materials[0]['id']}": "复印件不清晰"})
    response = clerk_client.post(URL, data)
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.status == Status.CORRECTION
    items = case.corrections.get().items
    assert {i["material"] for i in items} == {m["name"] for m in materials}
    assert {"material": materials[0]["name"], "problem": "复印件不清晰"} in items
    assert {"material": materials[1]["name"], "problem": "未提交"} in items


def test_a_correction_with_nothing_to_correct_is_refused(clerk_client, item):
    response = clerk_client.post(URL, _form(item, "correction"))
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_it_refuses_with_a_reason_and_where_to_apply(clerk_client, item):
    data = _form(item, "refuse", reason="不属于本机关职权范围", redirect_to="请向市市场监督管理局申请")
    response = clerk_client.post(URL, data)
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.status == Status.REFUSED
    assert case.refusal_redirect == "请向市市场监督管理局申请"


def test_a_refusal_needs_a_reason(clerk_client, item):
    response = clerk_client.post(URL, _form(item, "refuse"))
    assert response.status_code == 400
    assert 'href="#id_reason"' in response.content.decode()


def test_a_double_submit_with_the_same_key_creates_one_case(clerk_client, item):
    data = _form(item, "accept", key="double-click-1")
    first = clerk_client.post(URL, data)
    second = clerk_client.post(URL, data)
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert Case.objects.get().events.filter(action=Action.ACCEPT).count() == 1


def test_an_invalid_id_number_is_mapped_onto_its_field(clerk_client, item):
    response = clerk_client.post(URL, _form(item, "accept", cert_number="110101199001011234"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_cert_number"' in html and "校验位" in html
    assert not Case.objects.exists() and not Applicant.objects.exists()


def test_the_applicant_is_found_again_by_certificate(clerk_client, item):
    clerk_client.post(URL, _form(item, "accept"))
    response = clerk_client.get(reverse("cases:intake_applicant"),
                                {"cert_type": "111", "cert_number": synthetic_id_number(7)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "已找到申请人记录" in html and 'value="王小明"' in html
    # The stored phone is shown masked, not prefilled: a certificate number alone reveals nothing more.
    assert "13912345678" not in html and "139****5678" in html
    unknown = clerk_client.get(reverse("cases:intake_applicant"),
                               {"cert_type": "111", "cert_number": synthetic_id_number(8)})
    assert "新申请人" in unknown.content.decode()


def test_item_search_offers_only_what_the_centre_may_accept(client, county, dept, item):
    township = make_centre(county, "t1", CentreLevel.TOWNSHIP)
    wide = make_item(dept, basic_code="000123456003", name="食品小作坊登记", county_wide=True)
    clerk = make_user("tclerk", Role.CLERK, centre=township)
    client.force_login(clerk)
    html = client.get(reverse("cases:intake_items"), {"q": "食品"}).content.decode()
    assert wide.name in html and item.name not in html
    materials = client.get(reverse("cases:intake_materials"), {"item": wide.pk}).content.decode()
    assert "营业执照复印件" in materials and 'name="materials"' in materials
    # Posting an item the township may not accept is a field error, not a 500.
    response = client.post(URL, _form(item, "accept"))
    assert response.status_code == 400
    assert 'href="#id_item"' in response.content.decode()


def test_pinyin_initials_find_the_item(clerk_client, item):
    html = clerk_client.get(reverse("cases:intake_items"), {"q": "spjy"}).content.decode()
    assert item.name in html


def test_an_approver_cannot_intake(client, dept):
    approver = make_user("approver", Role.APPROVER, department=dept, section=dept.sections.first())
    client.force_login(approver)
    assert client.get(URL).status_code == 403
    assert client.get(reverse("cases:intake_items"), {"q": "食品"}).status_code == 403


def test_anonymous_users_are_sent_to_the_login_page(client):
    for url in (URL, "/staff/", "/staff/inbox/", "/staff/cases/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_applicant_account_gets_a_friendly_403(client, django_user_model):
    user = django_user_model.objects.create_user("citizen", password="x-Long-pass-1")
    client.force_login(user)
    response = client.get("/staff/")
    assert response.status_code == 403 and "仅限工作人员" in response.content.decode()


def test_a_superuser_picks_any_centre(client, django_user_model, county, dept, item):
    township = make_centre(county, "t9", CentreLevel.TOWNSHIP)
    root = django_user_model.objects.create_superuser("root", password="Root-pass-2026!")
    client.force_login(root)
    page = client.get(URL).content.decode()
    assert township.name in page and county.name in page
    response = client.post(URL, _form(item, "accept", centre=str(county.pk)))
    assert response.status_code == 302
    assert Case.objects.get().centre == county


def test_the_workbench_shows_links_by_role_and_todays_counts(client, clerk, county, item, dept):
    from onewindow.cases import services

    services.receive_case(actor=clerk, item=item, applicant=person(), centre=county)
    client.force_login(clerk)
    html = client.get("/staff/").content.decode()
    assert reverse("cases:intake") in html
    assert client.get("/staff/").context["counts"]["today"] == 1
    approver = make_user("approver", Role.APPROVER, department=dept, section=dept.sections.first())
    client.force_login(approver)
    html = client.get("/staff/").content.decode()
    assert 'href="/staff/intake/"' not in html and reverse("cases:inbox") in html

"""The general window accepts a whole integrated service at once: every item a received child case in its own
section, the complete ones accepted, the others under one combined correction notice, one visit in all."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from onewindow.cases.choices import Channel, Status
from onewindow.cases.models import Case, CaseVisit, CorrectionRequest
from onewindow.core.errors import ForbiddenError
from onewindow.integrated.bundles import accept_bundle, requested_materials
from onewindow.integrated.choices import BundleState
from onewindow.integrated.engine import plan_for
from onewindow.integrated.models import IntegratedCase
from onewindow.org.models import ServiceCentre
from onewindow.testing import Role, make_user, person

from .flow_helpers import KAIBAN, KAIBAN_LLC

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(demo):
    return get_user_model().objects.get(username="clerk")


@pytest.fixture
def county(demo):
    return ServiceCentre.objects.get(code="county")


def all_keys(answers=KAIBAN_LLC):
    return [m["key"] for m in requested_materials(plan_for(KAIBAN, answers).to_dict())]


def accept(clerk, county, received, key="c" * 32, answers=KAIBAN_LLC):
    return accept_bundle(actor=clerk, service_code=KAIBAN, answers=answers, applicant=person(3, name="王开办"),
                         received=received, centre=county, idempotency_key=key,
                         form_data={"enterprise_name": "清河县开办测试有限公司", "business_scope": "日用百货销售"})


def test_a_complete_bundle_is_accepted_item_by_item_in_one_go(clerk, county):
    result = accept(clerk, county, all_keys())

    bundle = IntegratedCase.objects.with_children().get(pk=result.bundle.pk)
    plan = plan_for(KAIBAN, KAIBAN_LLC).to_dict()
    assert result.created and not result.corrected
    assert [c.item.implementation_code for c in bundle.cases] == [i["code"] for i in plan["items"]]
    for case, item in zip(bundle.cases, plan["items"], strict=True):
        assert case.status == Status.ACCEPTED
        assert case.due_date is not None
        assert case.section.name == item["section"]
        assert case.channel == Channel.WINDOW
        assert case.form_data["business_scope"] == "日用百货销售"
    assert bundle.channel == Channel.WINDOW and bundle.centre == county
    assert bundle.status.state == BundleState.IN_PROGRESS


def test_the_applicant_came_once_so_one_visit_is_counted_for_the_whole_event(clerk, county):
    bundle = accept(clerk, county, all_keys()).bundle
    cases = Case.objects.filter(bundle_link__bundle=bundle).order_by("bundle_link__order")
    assert [c.visits for c in cases] == [1] + [0] * (cases.count() - 1)
    assert CaseVisit.objects.filter(case__in=cases).count() == 1
    assert all(c.at_most_once for c in cases)


def test_missing_materials_give_one_combined_correction_notice_instead_of_acceptance(clerk, county):
    keys = [k for k in all_keys() if k not in ("legal_rep_id", "lease_contract")]
    result = accept(clerk, county, keys)

    cases = result.bundle.cases
    corrected = [c for c in cases if c.status == Status.CORRECTION]
    accepted = [c for c in cases if c.status == Status.ACCEPTED]
    # The legal representative's ID is needed by registration, seal, bank, social insurance and housing fund.
    assert len(corrected) == 5 and corrected == result.corrected
    assert accepted == result.accepted and len(accepted) == len(cases) - 5
    notices = CorrectionRequest.objects.filter(case__in=corrected)
    assert notices.count() == 5
    assert len({n.note for n in notices}) == 1  # one combined notice, the same words on every child
    note = notices.first().note
    assert "合并一次性告知" in note and "法定代表人任职文件及身份证件复印件" in note and "房屋租赁合同" in note
    # The rule-added lease contract belongs to the event as a whole: asked once, on the first child.
    first = cases[0]
    assert [i["material"] for i in first.corrections.get().items].count("房屋租赁合同及出租方不动产权证书复印件") <= 1
    assert result.bundle.status.state == BundleState.CORRECTION


def test_the_same_key_returns_the_first_bundle(clerk, county):
    first = accept(clerk, county, all_keys())
    count = Case.objects.count()
    again = accept(clerk, county, all_keys())
    assert not again.created and again.bundle.pk == first.bundle.pk and Case.objects.count() == count


def test_only_a_clerk_of_the_centre_may_accept(demo, county):
    outsider = make_user("catalog-x", Role.CATALOG_ADMIN)
    with pytest.raises(ForbiddenError):
        accept(outsider, county, all_keys())
    assert not IntegratedCase.objects.exists()


def test_a_blocking_answer_or_an_unknown_material_is_refused_before_anything_is_written(clerk, county):
    with pytest.raises(ValidationError) as raised:
        accept(clerk, county, all_keys(), answers={**KAIBAN_LLC, "company_type": "foreign"})
    assert "市市场监督管理局" in raised.value.message_dict["answers"][0]
    with pytest.raises(ValidationError) as raised:
        accept(clerk, county, [*all_keys(), "no_such_material"])
    assert raised.value.message_dict["materials"] == ["材料“no_such_material”不在本次一次性告知的材料清单中。"]
    assert not IntegratedCase.objects.exists() and not Case.objects.exists()


# ---- the window's screen ----------------------------------------------------------------------------

WINDOW = "/staff/yjs/kaiban-qiye/"


def window_post(client, received, **extra):
    from onewindow.testing import synthetic_id_number

    data = {**KAIBAN_LLC, "materials": received, "kind": "person", "cert_type": "111",
            "cert_number": synthetic_id_number(4), "name": "赵窗口", "phone": "13800000004",
            "idempotency_key": "d" * 32, "action": "accept", **extra}
    return client.post(WINDOW, data)


def test_the_clerk_runs_the_questions_and_the_plan_follows(client, clerk):
    client.force_login(clerk)
    assert "开办企业" in client.get("/staff/yjs/").content.decode()
    page = client.get(WINDOW).content.decode()
    assert "整件受理" in page and 'id="q-company_type-llc"' in page
    fragment = client.post(f"{WINDOW}plan/", {"company_type": "partnership"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="q-partnership_kind"' in fragment and "合伙企业设立登记" in fragment
    fragment = client.post(f"{WINDOW}plan/", {**KAIBAN_LLC, "materials": all_keys()[:1]},
                           HTTP_HX_REQUEST="true").content.decode()
    assert "出具一次合并补正告知" in fragment and "办理过程中产生，无需提交" in fragment


def test_the_clerk_accepts_the_whole_bundle_from_the_screen(client, clerk):
    client.force_login(clerk)
    response = window_post(client, all_keys())
    assert response.status_code == 302
    bundle = IntegratedCase.objects.get()
    assert response["Location"] == f"/staff/yjs/bundle/{bundle.pk}/"
    page = client.get(response["Location"]).content.decode()
    for case in bundle.cases:
        assert case.number in page and case.item.name in page
    assert bundle.query_password in page and "赵窗口" in page
    assert all(c.status == Status.ACCEPTED for c in bundle.cases)


def test_missing_answers_on_the_screen_are_errors_and_nothing_is_written(client, clerk):
    client.force_login(clerk)
    response = window_post(client, all_keys(), premises="")
    assert response.status_code == 400
    assert "请回答“住所（经营场所）情况”" in response.content.decode()
    assert not IntegratedCase.objects.exists()


def test_the_combined_correction_notice_prints(client, clerk):
    import io

    from pypdf import PdfReader

    client.force_login(clerk)
    window_post(client, [k for k in all_keys() if k != "legal_rep_id"])
    bundle = IntegratedCase.objects.get()
    response = client.get(f"/staff/yjs/bundle/{bundle.pk}/correction.pdf")
    assert response.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).replace("\n", "")
    assert "合并告知" in text and "法定代表人任职文件及身份证件复印件" in text


def test_a_staff_member_without_a_window_role_cannot_take_bundles(client, demo):
    client.force_login(make_user("catalog-y", Role.CATALOG_ADMIN, ))
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="catalog-y").update(is_staff=True)
    assert client.get(WINDOW).status_code == 403

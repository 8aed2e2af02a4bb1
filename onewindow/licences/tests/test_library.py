"""The licence library: the holder's wallet, authorisation for another unit, every use visible to the holder."""

from __future__ import annotations

import pytest
from django.urls import reverse

from onewindow.cases import services as case_services
from onewindow.cases.auth import register_applicant
from onewindow.core.errors import ForbiddenError
from onewindow.licences import services
from onewindow.licences.choices import AuthorisationBasis
from onewindow.licences.models import LicenceUse
from onewindow.licences.selectors import licences_for_case
from onewindow.testing import PASSWORD, Role, make_department, make_item, make_user

from .world import approve_case, build_world, business_licence_type, enterprise, issued_licence

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    world = build_world()
    business_licence_type()
    licence = issued_licence(approve_case(world))
    holder = register_applicant(phone="13912345678", name="李四", password=PASSWORD)
    case_services.upsert_applicant(enterprise(), user=holder)
    # Another unit (the health bureau) handles a new case of the same enterprise.
    health = make_department(seed=2, name="测试县卫生健康局")
    other_item = make_item(health, basic_code="000301001000", name="公共场所卫生许可", materials=2)
    other_approver = make_user("health_approver", Role.APPROVER, department=health, section=health.sections.first())
    other_case = case_services.receive_case(actor=world.clerk, item=other_item, applicant=enterprise(),
                                            centre=world.county).case
    return {"world": world, "licence": licence, "holder": holder, "health": health, "other_case": other_case,
            "other_approver": other_approver}


def test_the_holder_sees_their_licence_and_a_stranger_does_not(client, setup):
    stranger = register_applicant(phone="13900001111", name="王五", password=PASSWORD)
    client.force_login(setup["holder"])
    page = client.get(reverse("licences:my_licences"))
    assert page.status_code == 200
    assert setup["licence"].identifier in page.content.decode()
    pdf = client.get(reverse("licences:my_licence_pdf", args=[setup["licence"].verify_code]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    client.force_login(stranger)
    page = client.get(reverse("licences:my_licences"))
    assert setup["licence"].identifier not in page.content.decode()
    assert client.get(reverse("licences:my_licence_pdf", args=[setup["licence"].verify_code])).status_code == 404


def test_the_wallet_needs_a_login(client, setup):
    response = client.get(reverse("licences:my_licences"))
    assert response.status_code == 302 and "/my/login/" in response["Location"]


def test_another_unit_needs_the_holders_authorisation(setup):
    licence, health, case = setup["licence"], setup["health"], setup["other_case"]
    with pytest.raises(ForbiddenError, match="持证人授权"):
        services.use_licence(actor=setup["other_approver"], licence=licence, unit=health, case=case, purpose="核验营业执照")
    assert not LicenceUse.objects.exists()

    # Only the holder may authorise online.
    with pytest.raises(ForbiddenError):
        services.grant_authorisation(actor=setup["other_approver"], licence=licence, unit=health, matter="卫生许可",
                                     case=case)
    grant = services.grant_authorisation(actor=setup["holder"], licence=licence, unit=health, matter="公共场所卫生许可",
                                         case=case)
    use = services.use_licence(actor=setup["other_approver"], licence=licence, unit=health, case=case,
                               purpose="核验营业执照")
    assert use.basis == "authorised" and use.authorisation_id == grant.pk

    services.withdraw_authorisation(actor=setup["holder"], authorisation=grant)
    with pytest.raises(ForbiddenError):
        services.use_licence(actor=setup["other_approver"], licence=licence, unit=health, case=case, purpose="再次核验")


def test_an_authorisation_for_one_case_does_not_cover_another(setup):
    world, licence, health = setup["world"], setup["licence"], setup["health"]
    services.grant_authorisation(actor=setup["holder"], licence=licence, unit=health, matter="公共场所卫生许可",
                                 case=setup["other_case"])
    third = case_services.receive_case(actor=world.clerk, item=setup["other_case"].item, applicant=enterprise(),
                                       centre=world.county).case
    with pytest.raises(ForbiddenError):
        services.use_licence(actor=setup["other_approver"], licence=licence, unit=health, case=third, purpose="核验")


def test_the_issuer_uses_its_own_licence_without_authorisation_but_it_is_logged(setup):
    world, licence = setup["world"], setup["licence"]
    use = services.use_licence(actor=world.approver, licence=licence, unit=world.bureau, purpose="年报核查")
    assert use.basis == "issuer"


def test_uses_are_visible_to_the_holder(client, setup):
    licence, health, case = setup["licence"], setup["health"], setup["other_case"]
    services.grant_authorisation(actor=setup["holder"], licence=licence, unit=health, matter="公共场所卫生许可", case=case)
    services.use_licence(actor=setup["other_approver"], licence=licence, unit=health, case=case, purpose="核验营业执照")
    client.force_login(setup["holder"])
    html = client.get(reverse("licences:my_licences")).content.decode()
    assert "测试县卫生健康局" in html and "核验营业执照" in html and "持证人授权" in html


def test_the_holder_grants_and_withdraws_from_the_wallet(client, setup):
    holder, case = setup["holder"], setup["other_case"]
    case.applicant.refresh_from_db()
    client.force_login(holder)
    response = client.post(reverse("licences:my_licences"), {"action": "grant", "licence": setup["licence"].verify_code,
                                                             "case": case.number})
    assert response.status_code == 302
    grant = setup["licence"].authorisations.get()
    assert grant.case_id == case.pk and grant.unit_id == setup["health"].pk and grant.basis == "online"
    client.post(reverse("licences:my_licences"), {"action": "withdraw", "authorisation": grant.pk})
    grant.refresh_from_db()
    assert grant.withdrawn_at is not None


def test_the_paper_path_a_clerk_records_written_consent(client, setup):
    world, licence, case = setup["world"], setup["licence"], setup["other_case"]
    with pytest.raises(Exception, match="书面授权书"):
        services.grant_authorisation(actor=world.clerk, licence=licence, unit=setup["health"], matter="卫生许可",
                                     case=case, basis=AuthorisationBasis.WRITTEN)
    client.force_login(world.clerk)
    response = client.post(reverse("licences:case_authorise", args=[case.number]),
                           {"licence": licence.verify_code, "note": "书面授权书 2026-001"})
    assert response.status_code == 302
    grant = licence.authorisations.get()
    assert grant.basis == "written" and grant.note == "书面授权书 2026-001"


def test_staff_see_the_relevant_licences_on_a_case(client, setup):
    world = setup["world"]
    assert setup["licence"] in licences_for_case(setup["other_case"])
    assert setup["licence"] in licences_for_case(setup["licence"].case)
    from django.template.loader import render_to_string

    html = render_to_string("licences/_case_licences.html", {"case": setup["other_case"]})
    assert setup["licence"].identifier in html and "申请人持有的有效证照" in html
    client.force_login(world.approver)
    pdf = client.get(reverse("licences:staff_licence_pdf", args=[setup["licence"].verify_code]))
    assert pdf.status_code == 200

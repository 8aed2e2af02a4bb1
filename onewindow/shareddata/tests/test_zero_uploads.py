"""A case whose materials are all satisfied by e-licences and shared data is accepted with zero uploads, and a
data source that is down gives the clerk a message and the paper path — never a 500."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from onewindow.cases import services as case_services
from onewindow.cases.auth import register_applicant
from onewindow.cases.models import CaseFile
from onewindow.licences import services as licence_services
from onewindow.licences.models import LicenceUse
from onewindow.licences.tests.world import (
    approve_case,
    build_world,
    business_licence_type,
    enterprise,
    issued_licence,
)
from onewindow.shareddata import services
from onewindow.shareddata.models import DataCall, DataSource
from onewindow.testing import PASSWORD, Role, make_department, make_item, make_user

from .server import closed_port, local_register

pytestmark = pytest.mark.django_db


def enterprise_register(url: str) -> DataSource:
    source = DataSource(code="enterprise_register", name="法人库", owner_name="省市场监管局", kind="enterprise",
                        subject_types=["001"], satisfies_material_kinds=["id_card"],
                        fields=[{"key": "legal_representative", "label": "法定代表人"},
                                {"key": "legal_representative_id_checked", "label": "法定代表人身份已核验"}],
                        adapter="onewindow.shareddata.adapters.HttpJsonAdapter",
                        config={"url": url, "auth_value_env": "ENT_TOKEN", "result_path": "data", "timeout": 1,
                                "retries": 0})
    source.full_clean()
    source.save()
    return source


@pytest.fixture
def scene(monkeypatch):
    monkeypatch.setenv("ENT_TOKEN", "Bearer secret-token")
    world = build_world()
    business_licence_type()
    licence = issued_licence(approve_case(world))  # the enterprise now holds an e-business licence
    holder = register_applicant(phone="13912345678", name="李四", password=PASSWORD)
    case_services.upsert_applicant(enterprise(), user=holder)
    # A food business permit at another bureau: 营业执照复印件 (required) + 法定代表人身份证明 (deferrable).
    food_bureau = make_department(seed=3, name="测试县食品药品审批局")
    food = make_item(food_bureau, basic_code="000123456000", name="食品经营许可", materials=2)
    make_user("food_approver", Role.APPROVER, department=food_bureau, section=food_bureau.sections.first())
    case = case_services.receive_case(actor=world.clerk, item=food, applicant=enterprise(), centre=world.county).case
    return {"world": world, "licence": licence, "holder": holder, "case": case}


def test_all_materials_from_licences_and_shared_data_then_accepted_with_zero_uploads(client, scene):
    world, case, licence = scene["world"], scene["case"], scene["licence"]
    # Without the holder's authorisation the other bureau may not use the licence.
    first = licence_services.check_materials_against_licences(actor=world.clerk, case=case)
    assert first.satisfied == [] and first.needs_authorisation == [licence]
    # The holder authorises this case from the licence wallet.
    client.force_login(scene["holder"])
    client.post(reverse("licences:my_licences"), {"action": "grant", "licence": licence.verify_code, "case": case.number})
    with local_register() as (url, register):
        register.records[case.applicant.cert_number] = {"legal_representative": "李四",
                                                        "legal_representative_id_checked": "是"}
        enterprise_register(url.replace("population", "enterprise"))
        client.force_login(world.clerk)
        response = client.post(reverse("licences:case_check", args=[case.number]))
    assert response.status_code == 302
    notes = {m.kind: m.note for m in case.materials.all()}
    assert notes["business_licence"] == f"电子证照（A级）: {licence.identifier}"
    assert notes["id_card"].startswith("共享数据（法人库）：已核验")
    case = case_services.accept_case(actor=world.clerk, case=case)
    assert case.status == "accepted" and not case.has_pending_materials
    assert CaseFile.objects.filter(case=case).count() == 0
    assert LicenceUse.objects.get().case_id == case.pk  # the use is logged for the holder
    assert DataCall.objects.get().outcome == "ok"


def test_an_unreachable_source_gives_the_clerk_a_message_and_the_paper_path(client, scene):
    world, case = scene["world"], scene["case"]
    enterprise_register(f"http://127.0.0.1:{closed_port()}/enterprise")
    client.force_login(world.clerk)
    response = client.post(reverse("licences:case_check", args=[case.number]), follow=True)
    assert response.status_code == 200
    texts = [str(m) for m in get_messages(response.wsgi_request)] + [response.content.decode()]
    joined = " ".join(texts)
    assert "法人库" in joined and "无法连接数据源" in joined and "纸质材料" in joined
    assert case.materials.get(kind="id_card").status == "missing"


def test_a_slow_source_answers_through_the_api_without_a_500(client, scene):
    world, case = scene["world"], scene["case"]
    with local_register() as (url, register):
        register.delay = 1.5
        enterprise_register(url)
        client.force_login(world.clerk)
        response = client.post("/api/v1/shareddata/query/", {
            "source": "enterprise_register", "case": case.number, "subject_code": case.applicant.cert_number,
            "subject_type": "001", "purpose": "核验法定代表人"}, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "timeout" and "没有响应" in body["message"] and "纸质材料" in body["fallback"]


def test_satisfy_from_data_returns_nothing_when_no_source_fits(scene):
    assert services.satisfy_materials_from_data(actor=scene["world"].clerk, case=scene["case"]) == []

"""API v1 for the service network: public reads, role-gated writes, 400s with field errors, flat query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.audit.models import AuditEvent
from onewindow.org.choices import Role
from onewindow.org.models import Department, ServiceCentre
from onewindow.testing import credit_code, make_centre, make_department, make_user

pytestmark = pytest.mark.django_db

NEW_TOWNSHIP = {"code": "town-b", "name": "乙镇便民服务中心", "level": "township", "parent": "county",
                "region_code": "990001002"}


def written() -> tuple[int, int, int]:
    return ServiceCentre.objects.count(), Department.objects.count(), AuditEvent.objects.count()


def test_it_lists_centres_to_anyone(client, county, township):
    response = client.get("/api/v1/centres/")

    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()["results"]}
    assert set(rows) == {"county", "town-a"}
    assert rows["town-a"]["parent"] == "county"


def test_it_shows_a_centre_by_its_code(client, township):
    response = client.get("/api/v1/centres/town-a/")

    assert response.status_code == 200
    assert response.json()["level"] == "township"


def test_it_refuses_an_anonymous_write_with_403_and_writes_nothing(client, county):
    before = written()

    response = client.post("/api/v1/centres/", NEW_TOWNSHIP, content_type="application/json")

    assert response.status_code == 403
    assert written() == before


def test_it_refuses_a_write_from_a_user_without_the_role(client, county, outsider):
    client.force_login(outsider)

    response = client.post("/api/v1/centres/", NEW_TOWNSHIP, content_type="application/json")

    assert response.status_code == 403
    assert not ServiceCentre.objects.filter(code="town-b").exists()


def test_it_refuses_a_write_from_a_clerk(client, county):
    client.force_login(make_user("clerk", Role.CLERK, centre=county))

    response = client.post("/api/v1/centres/", NEW_TOWNSHIP, content_type="application/json")

    assert response.status_code == 403


def test_it_lets_a_system_admin_create_a_centre_and_audits_it(client, county, system_admin):
    client.force_login(system_admin)

    response = client.post("/api/v1/centres/", NEW_TOWNSHIP, content_type="application/json")

    assert response.status_code == 201, response.json()
    centre = ServiceCentre.objects.get(code="town-b")
    assert centre.parent == county
    assert AuditEvent.objects.get(action="centre_created", object_id=str(centre.pk)).actor == system_admin


def test_it_answers_a_bad_region_code_with_400_naming_the_field_and_writes_nothing(client, county, system_admin):
    client.force_login(system_admin)
    before = written()

    response = client.post("/api/v1/centres/", {**NEW_TOWNSHIP, "region_code": "99-0001"},
                           content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"region_code"}
    assert "6、9或12位" in response.json()["region_code"][0]
    assert written() == before


def test_it_answers_a_township_without_a_parent_with_400_from_the_model_rules(client, county, system_admin):
    client.force_login(system_admin)
    before = written()

    response = client.post("/api/v1/centres/", {**NEW_TOWNSHIP, "parent": None}, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"parent"}
    assert written() == before


def test_it_answers_a_cycle_made_through_patch_with_400(client, county, township, system_admin):
    make_centre(township, "village-a", "village")
    client.force_login(system_admin)

    response = client.patch("/api/v1/centres/town-a/", {"parent": "village-a"}, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"parent"}
    township.refresh_from_db()
    assert township.parent == county


def test_it_answers_a_department_with_a_bad_credit_code_with_400(client, system_admin):
    client.force_login(system_admin)
    before = written()
    bad = credit_code(3)[:17] + ("0" if credit_code(3)[17] != "0" else "1")

    response = client.post("/api/v1/departments/", {"name": "测试县税务局", "credit_code": bad, "region_code": "990001"},
                           content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"credit_code"}
    assert written() == before


def test_it_lists_departments_with_their_sections_to_anyone(client, department):
    response = client.get("/api/v1/departments/")

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["credit_code"] == department.credit_code
    assert [s["code"] for s in row["sections"]] == ["main"]


# -- query counts do not grow with rows --------------------------------------------------------------


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_townships(county, start: int, count: int) -> None:
    for i in range(start, start + count):
        make_centre(county, f"town-{i:02d}")


def add_departments(start: int, count: int) -> None:
    for i in range(start, start + count):
        make_department(100 + i, f"测试县第{i}局")


def test_it_lists_centres_in_the_same_number_of_queries_for_3_or_30(client, county, django_assert_max_num_queries):
    add_townships(county, 0, 2)
    few = queries_for(client, "/api/v1/centres/")
    add_townships(county, 2, 27)
    assert ServiceCentre.objects.count() == 30

    with django_assert_max_num_queries(2):
        many = queries_for(client, "/api/v1/centres/")

    assert many == few


def test_it_lists_departments_in_the_same_number_of_queries_for_3_or_30(client, django_assert_max_num_queries):
    add_departments(0, 3)
    few = queries_for(client, "/api/v1/departments/")
    add_departments(3, 27)
    assert Department.objects.count() == 30

    with django_assert_max_num_queries(3):
        many = queries_for(client, "/api/v1/departments/")

    assert many == few

"""/api/v1/items/: the public reads published items; catalog administrators write through the services."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.audit.models import AuditEvent
from onewindow.catalog.models import GuideVersion, ServiceItem
from onewindow.testing import make_item

pytestmark = pytest.mark.django_db

URL = "/api/v1/items/"


def item(department, n: int, name: str = "食品经营许可", **fields) -> ServiceItem:
    fields.setdefault("materials", 0)
    return make_item(department, basic_code=f"{n:012d}", name=name, **fields)


def payload(department, **overrides) -> dict:
    data = {"basic_code": "000555000001", "implementation_code": department.credit_code + "4000555000001",
            "name": "户外广告设施设置审批", "item_type": "01", "department": department.pk,
            "target_groups": ["2"], "handling_forms": ["1", "2"], "case_kind": "2",
            "statutory_days": 20, "promised_days": 5, "result_name": "户外广告设置许可证"}
    data.update(overrides)
    return data


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_the_public_list_shows_only_published_active_items(department, client):
    item(department, 1, "食品经营许可")
    item(department, 2, "草稿事项", publish=False)
    inactive = item(department, 3, "已停用事项")
    ServiceItem.objects.filter(pk=inactive.pk).update(is_active=False)
    response = client.get(URL)
    assert codes(response) == ["食品经营许可"]
    assert response.json()["count"] == 1
    assert response.json()["results"][0]["department_name"] == department.name


def test_a_catalog_admin_lists_drafts_too(department, catalog_admin, client):
    item(department, 1)
    item(department, 2, "草稿事项", publish=False)
    client.force_login(catalog_admin)
    assert sorted(codes(client.get(URL))) == ["草稿事项", "食品经营许可"]


def test_the_list_searches_by_pinyin_initials(department, client):
    item(department, 1, "企业设立登记", result_name="营业执照")
    item(department, 2, "食品经营许可")
    item(department, 3, "营业执照", publish=False)
    assert codes(client.get(URL, {"q": "yyzz"})) == ["企业设立登记"]
    assert codes(client.get(URL, {"q": "食品"})) == ["食品经营许可"]


def test_the_list_filters_by_audience_and_department(department, other_department, client):
    item(department, 1, "食品经营许可", target_groups=["2"])
    item(department, 2, "个体工商户登记", target_groups=["1", "2"])
    item(other_department, 3, "失业登记", target_groups=["1"])
    assert sorted(codes(client.get(URL, {"audience": "citizen"}))) == ["个体工商户登记", "失业登记"]
    assert sorted(codes(client.get(URL, {"audience": "enterprise"}))) == ["个体工商户登记", "食品经营许可"]
    assert codes(client.get(URL, {"department": other_department.pk})) == ["失业登记"]
    assert codes(client.get(URL, {"department": department.pk, "audience": "citizen", "q": "gtgsh"})) == ["个体工商户登记"]
    assert client.get(URL, {"audience": "martian"}).status_code == 400


def test_the_detail_includes_materials(department, client):
    found = make_item(department, materials=3)
    response = client.get(f"{URL}{found.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["implementation_code"] == found.implementation_code
    assert [m["name"] for m in body["materials"]] == ["营业执照复印件", "法定代表人身份证明", "经营场所证明"]
    assert body["materials"][1]["necessity"] == "deferrable"
    assert "search_pinyin" not in body


def test_the_detail_of_a_draft_is_not_public(department, client):
    draft = item(department, 1, publish=False)
    assert client.get(f"{URL}{draft.pk}/").status_code == 404


def test_an_anonymous_visitor_cannot_write(department, client):
    response = client.post(URL, payload(department), content_type="application/json")
    assert response.status_code in (401, 403)
    published = item(department, 1)
    assert client.post(f"{URL}{published.pk}/publish/", {}, content_type="application/json").status_code in (401, 403)
    assert client.patch(f"{URL}{published.pk}/", {"name": "x"}, content_type="application/json").status_code in (401, 403)
    assert ServiceItem.objects.count() == 1 and GuideVersion.objects.count() == 1


def test_a_clerk_cannot_create_items(department, clerk, client):
    client.force_login(clerk)
    assert client.post(URL, payload(department), content_type="application/json").status_code == 403
    assert not ServiceItem.objects.exists()


def test_a_promised_limit_over_the_statutory_one_is_a_400_with_field_errors_and_writes_nothing(
        department, catalog_admin, client):
    client.force_login(catalog_admin)
    events = AuditEvent.objects.count()
    response = client.post(URL, payload(department, promised_days=30), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"promised_days": ["承诺时限（30）不能超过法定时限（20）。"]}
    assert not ServiceItem.objects.exists()
    assert AuditEvent.objects.count() == events


def test_malformed_codes_are_a_400_with_chinese_field_errors(department, catalog_admin, client):
    client.force_login(catalog_admin)
    response = client.post(URL, payload(department, basic_code="abc", implementation_code="nope", target_groups=["8"]),
                           content_type="application/json")
    assert response.status_code == 400
    errors = response.json()
    assert "基本编码" in errors["basic_code"][0]
    assert "实施编码" in errors["implementation_code"][0]
    assert not ServiceItem.objects.exists()


def test_a_catalog_admin_creates_publishes_and_lists_guide_versions(department, catalog_admin, client):
    client.force_login(catalog_admin)
    response = client.post(URL, payload(department), content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    created = ServiceItem.objects.get(pk=pk)
    assert (created.published_version, created.serves_enterprises, created.serves_citizens) == (0, True, False)
    assert AuditEvent.objects.filter(action="item_created", actor=catalog_admin, object_id=str(pk)).exists()
    assert client.logout() is None and client.get(f"{URL}{pk}/").status_code == 404

    client.force_login(catalog_admin)
    response = client.post(f"{URL}{pk}/publish/", {"change_note": "首次发布"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert (response.json()["number"], response.json()["status"]) == (1, "published")
    assert response.json()["snapshot"]["name"] == "户外广告设施设置审批"

    client.logout()
    guides = client.get(f"{URL}{pk}/guides/")
    assert guides.status_code == 200
    assert [(g["number"], g["change_note"]) for g in guides.json()] == [(1, "首次发布")]
    assert client.get(f"{URL}{pk}/").status_code == 200


def test_a_patch_that_breaks_a_rule_is_a_400_and_changes_nothing(department, catalog_admin, client):
    found = item(department, 1)
    client.force_login(catalog_admin)
    response = client.patch(f"{URL}{found.pk}/", {"case_kind": "1"}, content_type="application/json")
    assert response.status_code == 400
    assert "promised_days" in response.json()
    assert ServiceItem.objects.get(pk=found.pk).case_kind == "2"
    response = client.patch(f"{URL}{found.pk}/", {"place": "二楼"}, content_type="application/json")
    assert response.status_code == 200 and ServiceItem.objects.get(pk=found.pk).place == "二楼"


def test_publishing_an_invalid_item_is_a_400(department, catalog_admin, client):
    found = item(department, 1, publish=False)
    ServiceItem.objects.filter(pk=found.pk).update(fee_required=True)
    client.force_login(catalog_admin)
    response = client.post(f"{URL}{found.pk}/publish/", {}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["fee_basis"] == ["收费事项必须填写收费依据。"]
    assert not GuideVersion.objects.exists()


def queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"q": "sp"}, {"audience": "citizen"}])
def test_the_list_query_count_does_not_grow_with_the_number_of_items(department, other_department, client,
                                                                        django_assert_max_num_queries, params):
    for n in range(3):
        item(department if n % 2 else other_department, n + 1, f"食品经营许可{n}", materials=2)
    small = queries(client, URL, **params)
    for n in range(3, 20):
        item(department if n % 2 else other_department, n + 1, f"食品经营许可{n}", materials=2)
    assert queries(client, URL, **params) == small
    with django_assert_max_num_queries(4):
        client.get(URL, params)


def test_the_detail_query_count_does_not_grow_with_the_number_of_materials(department, client,
                                                                             django_assert_max_num_queries):
    few = make_item(department, basic_code="000000000001", materials=2)
    many = make_item(department, basic_code="000000000002", materials=12)
    assert queries(client, f"{URL}{few.pk}/") == queries(client, f"{URL}{many.pk}/")
    with django_assert_max_num_queries(5):
        client.get(f"{URL}{many.pk}/")

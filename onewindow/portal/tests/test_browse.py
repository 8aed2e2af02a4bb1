"""Applicants browse the catalog by audience, department and topic, and search it as they type."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.catalog import services
from onewindow.testing import make_item

pytestmark = pytest.mark.django_db


def page(client, url: str, data: dict | None = None, **headers) -> str:
    response = client.get(url, data or {}, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def test_the_home_page_offers_search_topics_and_departments(client, food_licence, birth_certificate, department):
    make_item(department, basic_code="000300000001", name="草稿事项", publish=False)
    html = page(client, "/")
    assert 'name="q"' in html
    assert "开餐馆" in html and "?topic=open-restaurant" in html
    assert f"?department={department.pk}" in html and "测试县市场监督管理局" in html
    assert "共 2 个事项" in html
    assert "草稿事项" not in html
    assert "食品经营许可" in html  # county-wide items are listed on the home page


def test_the_list_shows_published_items_only(client, food_licence, department):
    make_item(department, basic_code="000300000001", name="草稿事项", publish=False)
    html = page(client, "/items/")
    assert "食品经营许可" in html and "草稿事项" not in html
    assert f'href="/guide/{food_licence.implementation_code}/"' in html


def test_the_list_filters_by_audience(client, food_licence, birth_certificate):
    citizen = page(client, "/items/", {"audience": "citizen"})
    assert "出生医学证明" in citizen and "食品经营许可" not in citizen
    enterprise = page(client, "/items/", {"audience": "enterprise"})
    assert "食品经营许可" in enterprise and "出生医学证明" not in enterprise
    assert "出生医学证明" in page(client, "/items/", {"audience": "nonsense"})


def test_the_list_filters_by_department_and_topic(client, food_licence, birth_certificate, other_department):
    html = page(client, "/items/", {"department": other_department.pk})
    assert "出生医学证明" in html and "食品经营许可" not in html
    html = page(client, "/items/", {"topic": "open-restaurant"})
    assert "食品经营许可" in html and "出生医学证明" not in html and "开餐馆" in html


def test_the_list_searches_in_chinese_and_pinyin(client, food_licence, birth_certificate):
    for query in ("食品", "spjy", "shipin", "食品经营许可证"):
        html = page(client, "/items/", {"q": query})
        assert "食品经营许可" in html and "出生医学证明" not in html, query
    assert "没有找到相关事项" in page(client, "/items/", {"q": "火星"})


def test_a_search_keeps_the_filters(client, food_licence, birth_certificate):
    html = page(client, "/items/", {"q": "zm", "audience": "enterprise"})
    assert "出生医学证明" not in html


def test_an_htmx_request_gets_only_the_results(client, food_licence):
    html = page(client, "/items/", {"q": "spjy"}, HX_Request="true")
    assert "食品经营许可" in html
    assert "<html" not in html and "<form" not in html
    assert "<html" in page(client, "/items/", {"q": "spjy"})


def test_the_next_page_link_keeps_the_search_and_filters(client, department):
    for n in range(32):
        make_item(department, basic_code=f"{n + 1:012d}", name=f"食品经营许可{n:02d}", target_groups=["1"], materials=0)
    html = page(client, "/items/", {"audience": "citizen", "department": department.pk})
    assert "1 / 2" in html
    link = html[html.index('class="pagination"'):]
    assert "audience=citizen" in link and f"department={department.pk}" in link and "page=2" in link
    second = page(client, "/items/", {"audience": "citizen", "department": department.pk, "page": 2})
    assert "2 / 2" in second and "食品经营许可31" in second


def test_the_list_query_count_does_not_grow_with_the_number_of_items(client, department):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            page(client, "/items/")
        return len(ctx.captured_queries)

    for n in range(3):
        make_item(department, basic_code=f"{n + 1:012d}", name=f"事项{n}", materials=0)
    small = count()
    for n in range(3, 20):
        make_item(department, basic_code=f"{n + 1:012d}", name=f"事项{n}", materials=0)
    assert count() == small


def test_a_pinyin_search_ranks_the_licence_first_and_hides_unpublished_items(client, department):
    make_item(department, basic_code="000400000001", name="药店开办", keywords="营业执照 药品", materials=0)
    make_item(department, basic_code="000400000002", name="企业设立登记", result_name="营业执照", materials=0)
    make_item(department, basic_code="000400000003", name="营业执照补领", publish=False, materials=0)
    withdrawn = make_item(department, basic_code="000400000004", name="营业执照注销", materials=0)
    withdrawn.is_active = False
    services.save_item(actor=None, item=withdrawn)
    for query in ("yyzz", "yingyezhizhao", "营业执照"):
        html = page(client, "/items/", {"q": query})
        assert 0 < html.index("企业设立登记") < html.index("药店开办"), query
        assert "营业执照补领" not in html and "营业执照注销" not in html, query

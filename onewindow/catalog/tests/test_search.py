"""Search by Chinese words, full pinyin and pinyin initials; the best match first; only published items public."""

from __future__ import annotations

import pytest

from onewindow.catalog import services
from onewindow.catalog.models import ServiceItem
from onewindow.catalog.search import pinyin_keys, search_items
from onewindow.testing import make_item

pytestmark = pytest.mark.django_db


def item(department, n: int, name: str, materials: int = 0, **fields) -> ServiceItem:
    return make_item(department, basic_code=f"{n:012d}", name=name, materials=materials, **fields)


def names(query: str) -> list[str]:
    return [i.name for i in search_items(ServiceItem.objects.published(), query)]


@pytest.fixture
def catalog(department):
    item(department, 1, "食品经营许可", keywords="餐饮 小卖部")
    item(department, 2, "企业设立登记", result_name="营业执照")
    item(department, 3, "药店开办", keywords="营业执照 药品")
    item(department, 4, "食品生产许可")
    item(department, 5, "出生医学证明")
    return department


def test_it_builds_pinyin_keys_per_text():
    full, initials = pinyin_keys(["营业执照", None, "食品 经营"])
    assert full == "yingyezhizhao|shipin|jingying"
    assert initials == "yyzz|sp|jy"


def test_initials_find_an_item_whose_result_is_the_licence_first(catalog):
    found = names("yyzz")
    assert found[0] == "企业设立登记"
    assert "药店开办" in found


def test_initials_rank_like_the_chinese_words_they_stand_for(catalog):
    assert names("yyzz") == names("营业执照")[: len(names("yyzz"))]


def test_initials_find_an_item_whose_name_is_the_licence_first(department):
    item(department, 1, "营业执照遗失补领")
    item(department, 2, "营业执照")
    item(department, 3, "药店开办", keywords="营业执照")
    assert names("yyzz") == ["营业执照", "营业执照遗失补领", "药店开办"]
    assert names("YYZZ")[0] == "营业执照"


def test_chinese_words_find_items(catalog):
    assert names("营业执照")[0] == "企业设立登记"
    assert set(names("食品")) == {"食品经营许可", "食品生产许可"}
    assert names("出生") == ["出生医学证明"]


def test_full_pinyin_finds_items(catalog):
    assert names("yingyezhizhao")[0] == "企业设立登记"
    assert names("shipin jingying") == ["食品经营许可"]
    assert names("chusheng") == ["出生医学证明"]


def test_an_exact_name_ranks_before_a_prefix_and_a_substring(department):
    item(department, 1, "小餐饮食品经营许可")
    item(department, 2, "食品经营许可变更")
    item(department, 3, "食品经营许可")
    assert names("食品经营许可") == ["食品经营许可", "食品经营许可变更", "小餐饮食品经营许可"]


def test_it_finds_items_by_keyword_department_and_material(catalog):
    assert names("小卖部") == ["食品经营许可"]
    assert len(names("市场监督管理局")) == 5
    item(catalog, 9, "户外广告设置", materials=2)  # 营业执照复印件, 法定代表人身份证明
    assert names("法定代表人身份证明") == ["户外广告设置"]


def test_a_blank_or_unknown_query_finds_nothing(catalog):
    assert names("   ") == []
    assert names("xyzxyz") == []
    assert names("火星移民") == []


def test_unpublished_and_inactive_items_never_appear_publicly(department):
    item(department, 1, "营业执照", publish=False)
    inactive = item(department, 2, "营业执照注销")
    inactive.is_active = False
    services.save_item(actor=None, item=inactive)
    item(department, 3, "营业执照变更")
    assert names("yyzz") == ["营业执照变更"]
    assert names("营业执照") == ["营业执照变更"]
    assert len(search_items(ServiceItem.objects.all(), "yyzz")) == 3

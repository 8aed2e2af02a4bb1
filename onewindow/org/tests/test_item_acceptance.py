"""全县通办: which centre and which window may take which item."""

from __future__ import annotations

import pytest

from onewindow.org.choices import WindowKind
from onewindow.org.models import Window
from onewindow.testing import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_item(department):
    return make_item(department, basic_code="000100000001", name="本地事项", publish=False, materials=0)


@pytest.fixture
def county_wide_item(department):
    return make_item(department, basic_code="000100000002", name="全县通办事项", county_wide=True, publish=False,
                     materials=0)


def test_it_lets_the_county_centre_take_every_item(county, local_item, county_wide_item):
    assert county.may_accept(local_item)
    assert county.may_accept(county_wide_item)


def test_it_lets_the_county_centre_take_every_item_even_if_it_opts_out_of_county_wide(county, local_item):
    county.accepts_county_wide = False

    assert county.may_accept(local_item)


def test_it_lets_a_township_take_county_wide_items(township, county_wide_item):
    assert township.may_accept(county_wide_item)


def test_it_keeps_other_items_from_a_township(township, local_item):
    assert not township.may_accept(local_item)


def test_it_lets_a_township_take_the_items_on_its_own_list(township, local_item):
    township.accepted_items.add(local_item)

    assert township.may_accept(local_item)


def test_it_keeps_county_wide_items_from_a_township_that_opted_out(township, county_wide_item, local_item):
    township.accepts_county_wide = False
    township.accepted_items.add(local_item)

    assert not township.may_accept(county_wide_item)
    assert township.may_accept(local_item)


def test_it_lets_a_general_window_serve_what_its_centre_accepts(township, local_item, county_wide_item):
    window = Window.objects.create(centre=township, number="1", name="综合窗口", kind=WindowKind.GENERAL)

    assert window.serves(county_wide_item)
    assert not window.serves(local_item)


def test_it_lets_a_specialised_window_serve_only_its_items(county, local_item, county_wide_item):
    window = Window.objects.create(centre=county, number="9", name="食品专窗", kind=WindowKind.SPECIALISED)
    window.items.add(local_item)

    assert window.serves(local_item)
    assert not window.serves(county_wide_item)

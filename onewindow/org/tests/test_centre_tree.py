"""The centre tree: one county root, every other centre under a parent, never a cycle."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from onewindow.org import services
from onewindow.org.choices import CentreLevel
from onewindow.org.models import ServiceCentre
from onewindow.testing import make_centre

pytestmark = pytest.mark.django_db


def parent_error(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.message_dict["parent"])


def test_it_refuses_a_county_centre_with_a_parent(county):
    other = ServiceCentre(code="county-b", name="另一县中心", level=CentreLevel.COUNTY, parent=county,
                          region_code="990002")

    with pytest.raises(ValidationError) as caught:
        services.save_centre(actor=None, centre=other)

    assert "不能有上级" in parent_error(caught)
    assert not ServiceCentre.objects.filter(code="county-b").exists()


@pytest.mark.parametrize("level", [CentreLevel.BRANCH, CentreLevel.TOWNSHIP, CentreLevel.VILLAGE,
                                   CentreLevel.BANK_OUTLET, CentreLevel.KIOSK])
def test_it_refuses_any_other_centre_without_a_parent(db, level):
    orphan = ServiceCentre(code="orphan", name="无上级", level=level, region_code="990001001")

    with pytest.raises(ValidationError) as caught:
        services.save_centre(actor=None, centre=orphan)

    assert "需要上级中心" in parent_error(caught)
    assert not ServiceCentre.objects.filter(code="orphan").exists()


def test_it_refuses_a_centre_that_is_its_own_parent(township):
    township.parent = township

    with pytest.raises(ValidationError) as caught:
        services.save_centre(actor=None, centre=township)

    assert "不能是自己" in parent_error(caught)


def test_it_refuses_a_parent_that_would_close_a_cycle(county, township):
    village = make_centre(township, "village-a", CentreLevel.VILLAGE)
    township.parent = village

    with pytest.raises(ValidationError) as caught:
        services.save_centre(actor=None, centre=township)

    assert "环" in parent_error(caught)
    township.refresh_from_db()
    assert township.parent == county


def test_it_finds_the_county_as_the_root_of_every_centre(county, township):
    village = make_centre(township, "village-a", CentreLevel.VILLAGE)

    assert village.root() == county
    assert county.root() == county


def test_it_moves_a_centre_to_another_parent_in_the_tree(county, township):
    other = make_centre(county, "town-b")
    village = make_centre(township, "village-a", CentreLevel.VILLAGE)
    village.parent = other

    services.save_centre(actor=None, centre=village)

    village.refresh_from_db()
    assert village.parent == other

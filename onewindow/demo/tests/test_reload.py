"""Loading is an upsert: a second run changes nothing, a changed entry changes just that, a bad entry
changes nothing at all."""

from __future__ import annotations

import copy

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from onewindow.audit.models import AuditEvent
from onewindow.catalog.models import GuideVersion, Material, ServiceItem, Topic
from onewindow.catalog.services import current_guide
from onewindow.demo.loader import DEMO_DATA, CountyDataError, load_county, read_data
from onewindow.org.models import Department, Section, ServiceCentre, StaffRole, Window

pytestmark = pytest.mark.django_db

MODELS = [ServiceCentre, Department, Section, Topic, ServiceItem, Material, GuideVersion, Window, StaffRole,
          Group, AuditEvent, ServiceItem.topics.through, ServiceCentre.accepted_items.through, Window.items.through]


def counts() -> dict[str, int]:
    User = get_user_model()
    return {m._meta.label: m.objects.count() for m in [*MODELS, User, User.groups.through]}


@pytest.fixture
def data():
    return read_data(DEMO_DATA)


def test_loading_twice_changes_nothing(data):
    load_county(actor=None, data=data)
    first = counts()
    again = load_county(actor=None, data=copy.deepcopy(data))
    assert counts() == first
    assert not again.changed_anything
    assert again.tallies["items"].unchanged == ServiceItem.objects.count()


def test_a_changed_item_gets_a_new_guide_version_and_loses_dropped_materials(data):
    load_county(actor=None, data=data)
    entry = next(i for i in data["items"] if i["name"] == "食品经营许可（新办）")
    entry["promised_days"] = 3
    entry["materials"] = entry["materials"][:2]
    entry["materials"][0]["name"] = "食品经营许可申请书（2026版）"
    summary = load_county(actor=None, data=data)
    item = ServiceItem.objects.get(name="食品经营许可（新办）")
    assert (summary.tallies["items"].changed, summary.guides_published) == (1, 1)
    assert item.promised_days == 3 and item.published_version == 2
    assert list(item.materials.values_list("name", flat=True)) == ["食品经营许可申请书（2026版）",
                                                                   entry["materials"][1]["name"]]
    assert current_guide(item).snapshot["materials"][0]["name"] == "食品经营许可申请书（2026版）"
    assert GuideVersion.objects.get(item=item, number=1).status == "superseded"


def test_a_bad_entry_rolls_back_the_whole_load(data):
    entry = next(i for i in data["items"] if i["name"] == "建筑工程施工许可证核发")
    entry["promised_days"] = entry["statutory_days"] + 5  # a model rule, not a shape rule
    with pytest.raises(CountyDataError) as exc:
        load_county(actor=None, data=data)
    assert "建筑工程施工许可证核发" in str(exc.value) and "promised_days" in str(exc.value)
    assert ServiceCentre.objects.count() == 0 and ServiceItem.objects.count() == 0

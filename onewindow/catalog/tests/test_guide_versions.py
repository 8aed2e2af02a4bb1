"""Publishing freezes the item into a numbered guide; older versions stay readable and unchanged."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError

from onewindow.audit.models import AuditEvent
from onewindow.catalog import services
from onewindow.catalog.choices import GuideStatus
from onewindow.catalog.models import GuideVersion, ServiceItem
from onewindow.testing import make_item

pytestmark = pytest.mark.django_db


def edit(item: ServiceItem, **fields) -> ServiceItem:
    item = ServiceItem.objects.get(pk=item.pk)
    for field, value in fields.items():
        setattr(item, field, value)
    return services.save_item(actor=None, item=item)


def test_it_publishes_the_first_version(department, catalog_admin):
    item = make_item(department, publish=False, place="一楼 3 号窗口")
    guide = services.publish_guide(actor=catalog_admin, item=item, change_note="首次发布")
    assert (guide.number, guide.status, guide.published_by) == (1, GuideStatus.PUBLISHED, catalog_admin)
    assert guide.snapshot["name"] == "食品经营许可"
    assert guide.snapshot["place"] == "一楼 3 号窗口"
    assert [m["name"] for m in guide.snapshot["materials"]] == ["营业执照复印件", "法定代表人身份证明"]
    assert guide.snapshot["department"]["credit_code"] == department.credit_code
    assert ServiceItem.objects.get(pk=item.pk).published_version == 1
    event = AuditEvent.objects.get(action="guide_published", object_id=str(guide.pk))
    assert event.actor == catalog_admin
    assert event.data == {"item": item.pk, "number": 1}


def test_it_supersedes_the_old_version_and_keeps_its_snapshot(department, client):
    item = make_item(department, place="一楼 3 号窗口")
    v1 = GuideVersion.objects.get(item=item, number=1)
    frozen = copy.deepcopy(v1.snapshot)

    edit(item, name="食品经营许可（新办）", place="二楼 8 号窗口")
    material = item.materials.get(order=0)
    material.name = "营业执照副本"
    services.save_material(actor=None, material=material)
    v2 = services.publish_guide(actor=None, item=item, change_note="窗口搬迁")

    v1.refresh_from_db()
    assert (v1.status, v2.number, v2.status) == (GuideStatus.SUPERSEDED, 2, GuideStatus.PUBLISHED)
    assert v1.snapshot == frozen
    assert v2.snapshot["place"] == "二楼 8 号窗口"
    assert v2.snapshot["materials"][0]["name"] == "营业执照副本"
    assert GuideVersion.objects.filter(item=item, status=GuideStatus.PUBLISHED).get() == v2
    assert ServiceItem.objects.get(pk=item.pk).published_version == 2

    old = client.get(f"/guide/{item.implementation_code}/v1/").content.decode()
    assert "一楼 3 号窗口" in old and "营业执照复印件" in old and "二楼 8 号窗口" not in old
    assert "历史版本" in old
    current = client.get(f"/guide/{item.implementation_code}/").content.decode()
    assert "二楼 8 号窗口" in current and "营业执照副本" in current and "一楼 3 号窗口" not in current
    assert "食品经营许可（新办）" in current


def test_it_publishes_a_new_version_when_only_a_material_changed(department):
    item = make_item(department)
    material = item.materials.get(order=1)
    material.copies = 3
    services.save_material(actor=None, material=material)
    guide = services.publish_guide(actor=None, item=item)
    assert guide.number == 2
    assert guide.snapshot["materials"][1]["copies"] == 3


def test_publishing_an_unchanged_item_again_is_idempotent(department):
    item = make_item(department)
    events = AuditEvent.objects.count()
    again = services.publish_guide(actor=None, item=ServiceItem.objects.get(pk=item.pk))
    assert again.number == 1
    assert GuideVersion.objects.filter(item=item).count() == 1
    assert AuditEvent.objects.count() == events


def test_it_refuses_to_publish_an_invalid_item_and_writes_nothing(department):
    item = make_item(department)
    # A row made invalid behind clean()'s back (e.g. by an old import): publishing must re-check it.
    ServiceItem.objects.filter(pk=item.pk).update(fee_required=True, fee_basis="")
    guides, events = GuideVersion.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.publish_guide(actor=None, item=item)
    assert "fee_basis" in caught.value.message_dict
    assert (GuideVersion.objects.count(), AuditEvent.objects.count()) == (guides, events)
    assert GuideVersion.objects.get(item=item).status == GuideStatus.PUBLISHED
    assert ServiceItem.objects.get(pk=item.pk).published_version == 1


def test_it_numbers_versions_after_the_highest_one(department):
    item = make_item(department)
    for n in range(2, 5):
        edit(item, promised_note=f"第{n}次修订")
        assert services.publish_guide(actor=None, item=item).number == n
    assert list(GuideVersion.objects.filter(item=item).values_list("number", "status")) == [
        (4, "published"), (3, "superseded"), (2, "superseded"), (1, "superseded")]
    assert AuditEvent.objects.filter(action="guide_published", data__item=item.pk).count() == 4

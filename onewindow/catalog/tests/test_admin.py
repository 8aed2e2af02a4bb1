"""The catalog administrator edits an item in the admin and publishes a new guide version in one step."""

from __future__ import annotations

import pytest

from onewindow.audit.models import AuditEvent
from onewindow.catalog.choices import GuideStatus
from onewindow.catalog.models import GuideVersion, ServiceItem
from onewindow.testing import make_item

pytestmark = pytest.mark.django_db


def change_url(item: ServiceItem) -> str:
    return f"/admin/catalog/serviceitem/{item.pk}/change/"


def _value(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


def _put(data: dict, name: str, field, value) -> None:
    from django import forms

    if isinstance(field.widget, forms.CheckboxInput):
        if value:
            data[name] = "on"
        return
    if isinstance(field, forms.FileField):
        return
    data[name] = _value(value)


def form_data(response) -> dict:
    """The POST a browser would send for the change form as shown: main form, inlines, management forms."""
    data: dict = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        _put(data, name, field, form[name].value())
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = _value(management[name].value())
        for sub in formset.forms:
            for name, field in sub.fields.items():
                _put(data, sub.add_prefix(name), field, sub[name].value())
    return data


def test_a_catalog_admin_opens_the_change_page_with_the_publish_button(department, catalog_admin, client):
    item = make_item(department)
    client.force_login(catalog_admin)
    response = client.get(change_url(item))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_publish"' in page and 'name="name"' in page and "食品经营许可" in page


def test_saving_with_publish_creates_a_new_published_version(department, catalog_admin, client):
    item = make_item(department, place="一楼 3 号窗口")
    client.force_login(catalog_admin)
    data = form_data(client.get(change_url(item)))
    data.update({"place": "二楼 8 号窗口", "change_note": "窗口搬迁", "_publish": "保存并发布新版本"})
    data["materials-0-name"] = "营业执照副本"
    response = client.post(change_url(item), data)

    assert response.status_code == 302, response.context and (
        response.context["adminform"].form.errors, [f.errors for f in response.context["inline_admin_formsets"][0].formset])
    v1, v2 = GuideVersion.objects.get(item=item, number=1), GuideVersion.objects.get(item=item, number=2)
    assert (v1.status, v2.status) == (GuideStatus.SUPERSEDED, GuideStatus.PUBLISHED)
    assert v2.snapshot["place"] == "二楼 8 号窗口" and v1.snapshot["place"] == "一楼 3 号窗口"
    assert v2.snapshot["materials"][0]["name"] == "营业执照副本"
    assert (v2.change_note, v2.published_by) == ("窗口搬迁", catalog_admin)
    assert AuditEvent.objects.filter(action="item_changed", actor=catalog_admin, object_id=str(item.pk)).exists()
    assert ServiceItem.objects.get(pk=item.pk).published_version == 2


def test_saving_a_draft_does_not_publish(department, catalog_admin, client):
    item = make_item(department, place="一楼 3 号窗口")
    client.force_login(catalog_admin)
    data = form_data(client.get(change_url(item)))
    data.update({"place": "二楼 8 号窗口", "_continue": "仅保存草稿"})
    assert client.post(change_url(item), data).status_code == 302
    assert ServiceItem.objects.get(pk=item.pk).place == "二楼 8 号窗口"
    assert GuideVersion.objects.filter(item=item).count() == 1
    assert client.get(f"/guide/{item.implementation_code}/").content.decode().count("一楼 3 号窗口") == 1


def test_the_change_form_shows_model_errors_in_chinese_and_saves_nothing(department, catalog_admin, client):
    item = make_item(department)
    client.force_login(catalog_admin)
    data = form_data(client.get(change_url(item)))
    data.update({"promised_days": "30", "_publish": "1"})
    response = client.post(change_url(item), data)
    assert response.status_code == 200
    assert "承诺时限（30）不能超过法定时限（20）。" in response.content.decode()
    assert ServiceItem.objects.get(pk=item.pk).promised_days == 5
    assert GuideVersion.objects.filter(item=item).count() == 1


def test_a_clerk_can_read_but_not_change_or_publish_an_item(department, clerk, client):
    item = make_item(department)
    client.force_login(clerk)
    response = client.get(change_url(item))
    # Clerks hold catalog.view_* (they look items up), so the page opens read-only, without save buttons.
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_publish"' not in page and 'name="name"' not in page
    response = client.post(change_url(item), {"name": "改名", "_publish": "1"})
    assert response.status_code == 403
    assert ServiceItem.objects.get(pk=item.pk).name == "食品经营许可"
    assert GuideVersion.objects.filter(item=item).count() == 1


def test_an_anonymous_visitor_is_sent_to_the_login_page(department, client):
    item = make_item(department)
    response = client.get(change_url(item))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_staff_member_without_a_catalog_role_cannot_open_the_change_page(department, client, django_user_model):
    item = make_item(department)
    client.force_login(django_user_model.objects.create_user("nobody", password="x-Long-pass-1", is_staff=True))
    assert client.get(change_url(item)).status_code == 403


def test_the_publish_action_publishes_the_selected_items(department, catalog_admin, client):
    items = [make_item(department, basic_code=f"00000000000{n}", publish=False) for n in (1, 2)]
    client.force_login(catalog_admin)
    response = client.post("/admin/catalog/serviceitem/", {
        "action": "publish_selected", "_selected_action": [i.pk for i in items]})
    assert response.status_code == 302
    assert list(GuideVersion.objects.filter(item__in=items).values_list("number", flat=True)) == [1, 1]

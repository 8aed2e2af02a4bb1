"""Admin: the verification report before publishing, the preview, and "保存并发布新版本"."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.integrated import services
from onewindow.integrated.models import IntegratedServiceVersion

from .conftest import define, small_definition

pytestmark = pytest.mark.django_db


def change_form_data(response: Any, **changes: Any) -> dict[str, Any]:
    """The POST data the change page would send unchanged (main form and every inline), plus changes."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            data[key] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form in formset.forms:
            add(form)
    data.update(changes)
    return data


@pytest.fixture
def shop(small_items):
    service = define("shop", small_definition(*small_items))
    services.publish_service(actor=None, service=service)
    return service


def test_the_change_page_shows_the_verification_report(shop, superuser, client):
    client.force_login(superuser)
    page = client.get(f"/admin/integrated/integratedservice/{shop.pk}/change/").content.decode()
    assert "校验结果（工作副本）" in page and "没有错误，可以发布" in page
    assert "情形组合 4 种，可申请 2 种" in page
    assert 'name="_publish"' in page and "预览方案" in page


def test_publish_button_publishes_a_new_version(shop, superuser, client):
    client.force_login(superuser)
    url = f"/admin/integrated/integratedservice/{shop.pk}/change/"
    data = change_form_data(client.get(url), name="开店一件事", _publish="1", change_note="改名")
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages[-1] == "已发布第 2 版，旧版本仍可查阅。", messages
    version = IntegratedServiceVersion.objects.get(service=shop, status="published")
    assert (version.number, version.snapshot["name"], version.change_note) == (2, "开店一件事", "改名")


def test_publish_button_refuses_with_the_report(shop, superuser, client):
    definition = small_definition(*[s.item for s in shop.steps.order_by("order")])
    definition["questions"].append({"code": "empty", "text": "经营类别", "options": []})
    services.define_service(actor=None, service=shop, definition=definition)
    client.force_login(superuser)
    url = f"/admin/integrated/integratedservice/{shop.pk}/change/"
    page = client.get(url)
    assert "必答问题 empty（经营类别）没有任何选项" in page.content.decode()
    response = client.post(url, change_form_data(page, _publish="1"), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert "未发布新版本" in messages[0] and messages[1] == "必答问题 empty（经营类别）没有任何选项"
    assert IntegratedServiceVersion.objects.filter(service=shop).count() == 1


def test_preview_shows_the_plan_with_explanations(shop, superuser, client):
    client.force_login(superuser)
    url = f"/admin/integrated/integratedservice/{shop.pk}/preview/"
    blank = client.get(url).content.decode()
    assert 'type="radio" name="q_kind" value="company"' in blank and "计算方案" in blank
    page = client.get(url, {"q_kind": "company", "q_size": "large"}).content.decode()
    assert "消防安全检查" in page and "因为主体类型：公司；面积：大" in page
    assert "办理事项 3 项" in page and "承诺时限 6 个工作日" in page  # registration 1 + permit 5; fire 2 in parallel
    blocked = client.get(url, {"q_kind": "foreign"}).content.decode()
    assert "请到市级办理" in blocked


def test_clerks_cannot_edit_integrated_services(shop, client):
    from onewindow.testing import Role, make_county, make_user

    clerk = make_user("clerk", role=Role.CLERK, centre=make_county())
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    url = f"/admin/integrated/integratedservice/{shop.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="_publish"' not in page.content.decode()
    assert client.post(url, {"name": "x", "_publish": "1"}).status_code == 403

"""Publishing freezes a verified working copy into a numbered version; bad definitions are refused with
a clear report and nothing is written."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from onewindow.audit.models import AuditEvent
from onewindow.catalog import services as catalog_services
from onewindow.integrated import services
from onewindow.integrated.choices import VersionStatus
from onewindow.integrated.engine import plan_for
from onewindow.integrated.models import IntegratedServiceVersion, Rule, SituationOption, SituationQuestion
from onewindow.testing import make_item

from .conftest import define, small_definition

pytestmark = pytest.mark.django_db


def refused(service, catalog_admin=None) -> list[str]:
    before = (IntegratedServiceVersion.objects.count(), AuditEvent.objects.filter(action="integrated_published").count())
    with pytest.raises(services.PublishRefused) as exc:
        services.publish_service(actor=catalog_admin, service=service)
    after = (IntegratedServiceVersion.objects.count(), AuditEvent.objects.filter(action="integrated_published").count())
    assert after == before, "a refused publication must write nothing"
    service.refresh_from_db()
    assert service.published_version == 0
    return exc.value.messages


def test_it_publishes_a_verified_version_that_pins_the_guides(small_items, catalog_admin):
    registration, permit, fire = small_items
    service = define("shop", small_definition(*small_items))
    version = services.publish_service(actor=catalog_admin, service=service, change_note="首次发布")
    assert (version.number, version.status, version.published_by) == (1, VersionStatus.PUBLISHED, catalog_admin)
    assert [s["guide_version"] for s in version.snapshot["steps"]] == [1, 1, 1]
    assert version.report["ok"] and version.report["counts"]["combinations"] == 4
    event = AuditEvent.objects.get(action="integrated_published", object_id=str(version.pk))
    assert event.actor == catalog_admin
    plan = plan_for("shop", {"kind": "company", "size": "large"})
    assert plan.item_codes == [registration.implementation_code, permit.implementation_code, fire.implementation_code]
    # The permit's business licence comes from registration (an earlier step): not asked for.
    licence = next(m for m in plan.materials if m.kind == "business_licence")
    assert licence.status == "request"  # registration itself asks for one (make_item's first material)
    assert {v[0]: v[2] for v in licence.variants}[permit.implementation_code] == "produced"


def test_publishing_twice_is_idempotent_and_a_change_makes_a_new_version(small_items):
    service = define("shop", small_definition(*small_items))
    v1 = services.publish_service(actor=None, service=service)
    assert services.publish_service(actor=None, service=service) == v1
    service.name = "开店一件事"
    services.save_service(actor=None, service=service)
    v2 = services.publish_service(actor=None, service=service)
    v1.refresh_from_db()
    assert (v1.status, v2.number, v2.status) == (VersionStatus.SUPERSEDED, 2, VersionStatus.PUBLISHED)
    assert v1.snapshot["name"] == "测试一件事" and v2.snapshot["name"] == "开店一件事"
    assert plan_for("shop", {}).service.number == 2


def test_a_new_guide_version_is_picked_up_at_the_next_publication(small_items):
    registration, _permit, _fire = small_items
    service = define("shop", small_definition(*small_items))
    services.publish_service(actor=None, service=service)
    registration.place = "二楼"
    catalog_services.save_item(actor=None, item=registration)
    catalog_services.publish_guide(actor=None, item=registration)
    v2 = services.publish_service(actor=None, service=service)
    assert v2.snapshot["steps"][0]["guide_version"] == 2


def test_it_refuses_a_cycle_in_follow_ups(small_items):
    service = define("shop", small_definition(*small_items))
    kind, size = SituationQuestion.objects.filter(service=service).order_by("order")
    kind.revealed_by = SituationOption.objects.get(service=service, code="small")
    kind.save()
    size.revealed_by = SituationOption.objects.get(service=service, code="company")
    size.save()
    messages = refused(service)
    assert any("追问形成循环" in m and "kind" in m and "size" in m for m in messages), messages


def test_it_refuses_a_rule_on_a_missing_option(small_items):
    permit = small_items[1]
    definition = small_definition(*small_items)
    definition["rules"].append({"code": "ghost", "condition": {"any": ["company", "medium"]},
                                "effects": [{"op": "add_item", "item": permit.implementation_code}]})
    messages = refused(define("shop", definition))
    assert messages == ["规则 ghost的条件引用了不存在的选项：medium"]


def test_it_refuses_an_empty_required_question(small_items):
    definition = small_definition(*small_items)
    definition["questions"].append({"code": "empty", "text": "经营类别", "required": True, "options": []})
    messages = refused(define("shop", definition))
    assert messages == ["必答问题 empty（经营类别）没有任何选项"]


def test_it_refuses_items_that_do_not_exist_are_not_steps_or_are_not_published(small_items):
    registration, permit, fire = small_items
    unpublished = make_item(fire.department, basic_code="000126702009", name="未发布事项", publish=False)
    definition = small_definition(*small_items)
    definition["steps"].append({"item": unpublished.implementation_code, "base": True})
    definition["rules"].append({"code": "ghost-item", "condition": "company",
                                "effects": [{"op": "add_item", "item": registration.department.credit_code + "4000000000001"}]})
    definition["rules"].append({"code": "not-a-step", "condition": "small",
                                "effects": [{"op": "add_material", "kind": "x", "name": "某材料",
                                             "item": registration.implementation_code[:-1] + "9"}]})
    messages = refused(define("shop", definition))
    assert "事项「未发布事项」" in messages[0] and "尚未发布办事指南" in messages[0]
    assert any("规则 ghost-item 引用的事项" in m and "不存在" in m for m in messages)
    assert len(messages) == 3, messages


def test_it_refuses_an_item_both_added_and_removed(small_items):
    registration, permit, fire = small_items
    definition = small_definition(*small_items)
    definition["rules"].append({"code": "no-permit", "condition": "large",
                                "effects": [{"op": "remove_item", "item": permit.implementation_code}]})
    messages = refused(define("shop", definition))
    assert messages == ["事项「食品经营许可」在 1 种组合中同时被增加和去掉"]


def test_it_refuses_a_material_added_for_an_item_that_is_not_in_the_plan(small_items):
    fire = small_items[2]
    definition = small_definition(*small_items)
    definition["rules"].append({"code": "fire-plan", "condition": "small",
                                "effects": [{"op": "add_material", "kind": "fire_plan", "name": "消防预案", "item": fire.implementation_code}]})
    messages = refused(define("shop", definition))
    assert messages == ["规则 fire-plan 增加的材料「消防预案」在 1 种组合中所属事项「消防安全检查」并未办理"]


def test_it_refuses_a_service_where_every_answer_blocks(small_items):
    definition = small_definition(*small_items)
    definition["questions"].append({"code": "eligible", "text": "是否符合条件",
                                    "options": [{"code": "no", "text": "否", "blocks": True, "block_message": "不符合"}]})
    messages = refused(define("shop", definition))
    assert messages == ["没有任何可以申请的情形组合（每种回答都会被阻止或无法作答）"]


def test_warnings_do_not_stop_publishing(small_items):
    definition = small_definition(*small_items)
    definition["rules"].append({"code": "never", "condition": {"all": ["small", "large"]},
                                "effects": [{"op": "add_note", "text": "不会出现"}]})
    version = services.publish_service(actor=None, service=define("shop", definition))
    assert [f["check"] for f in version.report["findings"]] == ["dead_rule"]


def test_define_refuses_malformed_definitions(small_items):
    definition = small_definition(*small_items)
    definition["rules"][0]["condition"] = {"some": ["company"]}
    definition["questions"][0]["options"][1]["block_message"] = ""
    with pytest.raises(ValidationError) as exc:
        define("shop", definition)
    assert any("无法识别的条件" in m for m in exc.value.messages)
    assert any("没有说明原因和去处" in m for m in exc.value.messages)


def test_model_validation_runs_the_same_checks(small_items):
    service = define("shop", small_definition(*small_items))
    rule = Rule(service=service, code="bad", condition={"all": []}, effects=[{"op": "add_item"}])
    with pytest.raises(ValidationError) as exc:
        rule.full_clean()
    assert set(exc.value.message_dict) == {"condition", "effects"}
    rule = Rule(service=service, code="bad", condition="missing", effects=[{"op": "add_note", "text": "x"}])
    with pytest.raises(ValidationError) as exc:
        rule.full_clean()
    assert exc.value.message_dict["condition"] == ["条件引用了不存在的选项：missing"]

"""The demo loader is idempotent and skips steps whose item the catalog lacks."""

from __future__ import annotations

import copy
import io

import pytest
from django.core.management import call_command

from onewindow.integrated.demo import DEMO_INTEGRATED, load_integrated, read_integrated
from onewindow.integrated.models import IntegratedService, IntegratedServiceVersion

pytestmark = pytest.mark.django_db


def test_loading_again_changes_nothing(demo):
    versions = IntegratedServiceVersion.objects.count()
    summary = load_integrated(actor=None, data=read_integrated(DEMO_INTEGRATED))
    assert (summary.created, summary.updated, summary.unchanged, summary.published) == (0, 0, 6, 0)
    assert IntegratedServiceVersion.objects.count() == versions


def test_a_changed_file_publishes_a_new_version(demo):
    data = copy.deepcopy(read_integrated(DEMO_INTEGRATED))
    kaiban = data["services"][0]
    kaiban["questions"][0]["text"] = "企业类型"
    summary = load_integrated(actor=None, data={"services": [kaiban]})
    assert (summary.updated, summary.published) == (1, 1)
    assert IntegratedService.objects.get(code="kaiban-qiye").published_version == 2


def test_missing_items_are_skipped_with_a_warning(demo):
    data = copy.deepcopy(read_integrated(DEMO_INTEGRATED))
    canyin = next(s for s in data["services"] if s["code"] == "kai-canyin")
    sign = next(s for s in canyin["steps"] if s["item"].endswith("000119723001"))
    gone = sign["item"][:-1] + "9"  # an item the catalog does not have
    sign["item"] = gone
    for rule in canyin["rules"]:
        for effect in rule["effects"]:
            if effect.get("item", "").endswith("000119723001"):
                effect["item"] = gone
    summary = load_integrated(actor=None, data={"services": [dict(canyin, code="canyin-copy")]})
    assert summary.missing_items == [("canyin-copy", gone, sign["name"])]
    assert any("规则 sign 只涉及缺少的事项，已跳过" in w for w in summary.warnings)
    copy_service = IntegratedService.objects.get(code="canyin-copy")
    assert copy_service.published_version == 1 and copy_service.steps.count() == 6

    nothing = {"services": [dict(canyin, code="canyin-empty", steps=[dict(s, item=gone) for s in canyin["steps"]])]}
    summary = load_integrated(actor=None, data=nothing)
    assert summary.skipped_services == ["canyin-empty"] and any("请先载入县事项目录" in w for w in summary.warnings)
    assert not IntegratedService.objects.filter(code="canyin-empty").exists()


def test_the_demo_command_reports_what_it_did(demo):
    out = io.StringIO()
    call_command("integrated", "demo", stdout=out)
    assert "一件事：新增 0，更新 0，未变 6，发布新版本 0" in out.getvalue()

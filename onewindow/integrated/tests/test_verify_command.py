"""`onewindow integrated verify` on the demo and on the generated catalog of the bureau's real size."""

from __future__ import annotations

import io
import json
import time

import pytest
from django.core.management import CommandError, call_command

from onewindow.integrated.brute import brute_counts
from onewindow.integrated.engine import CompiledService
from onewindow.integrated.models import IntegratedService, IntegratedServiceVersion, SituationOption
from onewindow.integrated.verify import verify_snapshot

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("integrated", *args, stdout=out)
    return out.getvalue()


def test_it_verifies_the_demo_services(demo):
    output = run("verify")
    assert "校验一件事 6 个" in output
    assert "错误 0 条，提示 0 条，有错误的一件事 0 个" in output
    assert "kaiban-qiye（开办企业）：组合 38,400 种，其中可申请 25,600，不能申请 12,800" in output
    for label in ("事项同时被增加和去掉：0", "材料所属事项未办理：0", "必答问题没有选项：0", "无法到达的选项：0",
                  "永不生效的规则：0", "从不办理的事项：0"):
        assert label in output


def test_it_verifies_one_service_as_json_and_the_published_version(demo):
    data = json.loads(run("verify", "kai-canyin", "--json"))
    (report,) = data["services"]
    assert report["service"] == "kai-canyin" and report["ok"] and report["counts"]["combinations"] == 7680
    published = json.loads(run("verify", "kai-canyin", "--json", "--published"))
    assert published["services"][0]["counts"] == report["counts"]


def test_it_fails_on_unknown_codes_and_on_errors(demo):
    with pytest.raises(CommandError, match="没有这些一件事：nope"):
        run("verify", "nope")
    service = IntegratedService.objects.get(code="qiye-zhuxiao")
    question = service.questions.get(code="seal")
    SituationOption.objects.filter(question=question).delete()  # a required question left without options
    with pytest.raises(CommandError, match="1 个一件事有错误"):
        run("verify", "qiye-zhuxiao")


def test_the_demo_agrees_with_brute_force(demo):
    for version in IntegratedServiceVersion.objects.filter(status="published"):
        compiled = CompiledService(version.snapshot)
        assert verify_snapshot(version.snapshot).counts == brute_counts(compiled), version.service.code


def test_the_generator_builds_the_bureau_catalog_and_verification_finishes(db):
    started = time.perf_counter()
    output = run("generate", "--services", "107", "--options", "2895", "--seed", "7")
    generated = time.perf_counter() - started
    assert "生成一件事 107 个" in output and "选项 2895" in output
    assert IntegratedService.objects.filter(code__startswith="gen-").count() == 107
    assert SituationOption.objects.filter(service__code__startswith="gen-").count() == 2895
    assert IntegratedService.objects.published().filter(code__startswith="gen-").count() == 107
    assert "跳过已存在 107 个" in run("generate", "--seed", "7")  # idempotent

    started = time.perf_counter()
    summary = run("verify", "gen-*", "--quiet")
    elapsed = time.perf_counter() - started
    print(f"\ngenerated 107/2,895 in {generated:.1f} s; verified every combination in {elapsed:.2f} s\n{summary}")
    assert "校验一件事 107 个，选项 2895 个" in summary and "有错误的一件事 0 个" in summary
    assert elapsed < 60

    # Some generated services have millions of combinations; the small ones agree with brute force.
    versions = list(IntegratedServiceVersion.objects.filter(service__code__startswith="gen-", status="published"))
    combos = sorted(int(v.report["counts"]["combinations"]) for v in versions)
    assert combos[-1] > 1_000_000
    small = [v for v in versions if int(v.report["counts"]["combinations"]) <= 3000][:5]
    assert small
    for v in small:
        assert verify_snapshot(v.snapshot).counts == brute_counts(CompiledService(v.snapshot))

    output = run("generate", "--services", "3", "--options", "60", "--replace")
    assert "生成一件事 3 个" in output
    assert IntegratedService.objects.filter(code__startswith="gen-").count() == 3

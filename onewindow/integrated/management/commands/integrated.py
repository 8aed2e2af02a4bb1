"""`onewindow integrated verify [CODE …]` · `generate --services 107 --options 2895` · `demo`."""

from __future__ import annotations

import fnmatch
import json
import logging
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.integrated.models import IntegratedService, IntegratedServiceVersion
from onewindow.integrated.verify import CHECK_LABELS, Report, verify_snapshot


class Command(BaseCommand):
    help = "一件事：verify 校验全部情形组合；generate 生成规模测试目录；demo 载入演示一件事。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="校验一件事的全部可达情形组合（默认校验工作副本）")
        verify.add_argument("codes", nargs="*", metavar="CODE", help="只校验这些一件事（默认全部；可用通配符，如 'gen-*'）")
        verify.add_argument("--published", action="store_true", help="校验现行发布版本，而不是工作副本")
        verify.add_argument("--json", action="store_true", help="以 JSON 输出完整报告")
        verify.add_argument("--quiet", action="store_true", help="只打印汇总")
        gen = sub.add_parser("generate", help="生成与全县规模相当的合成一件事目录")
        gen.add_argument("--services", type=int, default=107)
        gen.add_argument("--options", type=int, default=2895)
        gen.add_argument("--seed", type=int, default=0)
        gen.add_argument("--replace", action="store_true", help="先删除已生成的一件事（gen- 开头）再生成")
        gen.add_argument("--catalog-items", action="store_true", help="使用目录中已发布的事项，而不是合成事项")
        gen.add_argument("--no-publish", action="store_true", help="只生成工作副本，不发布")
        demo = sub.add_parser("demo", help="载入演示一件事（需先载入演示县：onewindow demo）")
        demo.add_argument("--file", default=None, help="一件事数据文件（JSON）")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet_audit = options["verbosity"] < 2
        audit_log = logging.getLogger("onewindow.audit")
        level = audit_log.level
        if quiet_audit:
            audit_log.setLevel(logging.WARNING)
        try:
            getattr(self, f"do_{options['action']}")(options)
        finally:
            audit_log.setLevel(level)

    # -- verify
    def do_verify(self, options: dict[str, Any]) -> int:
        from onewindow.integrated.services import verify_services

        qs = IntegratedService.objects.order_by("order", "code")
        if options["codes"]:
            all_codes = list(qs.values_list("code", flat=True))
            unknown = [p for p in options["codes"] if not fnmatch.filter(all_codes, p)]
            if unknown:
                raise CommandError(f"没有这些一件事：{', '.join(sorted(unknown))}")
            qs = qs.filter(code__in=[c for c in all_codes if any(fnmatch.fnmatchcase(c, p) for p in options["codes"])])
        started = time.perf_counter()
        if options["published"]:
            versions = IntegratedServiceVersion.objects.filter(service__in=qs, status="published").order_by(
                "service__order", "service__code")
            reports: list[Report] = [verify_snapshot(v.snapshot) for v in versions]
        else:
            reports = verify_services(list(qs))
        elapsed = time.perf_counter() - started
        if options["json"]:
            self.stdout.write(json.dumps({"seconds": round(elapsed, 3), "services": [r.to_dict() for r in reports]},
                                         ensure_ascii=False, indent=1))
        else:
            if not options["quiet"]:
                for r in reports:
                    for line in r.lines():
                        self.stdout.write(line)
            self.stdout.write(format_summary(reports, elapsed))
        if any(not r.ok for r in reports):
            raise CommandError(f"{sum(not r.ok for r in reports)} 个一件事有错误，不能发布")
        return 0

    # -- generate
    def do_generate(self, options: dict[str, Any]) -> None:
        from onewindow.integrated.generate import generate_catalog

        try:
            summary = generate_catalog(actor=None, services_count=options["services"], options=options["options"],
                                       seed=options["seed"], replace=options["replace"],
                                       use_catalog=options["catalog_items"], publish=not options["no_publish"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for line in summary.lines():
            self.stdout.write(line)

    # -- demo
    def do_demo(self, options: dict[str, Any]) -> None:
        from onewindow.integrated.demo import (
            DEMO_INTEGRATED,
            IntegratedDataError,
            load_integrated,
            read_integrated,
        )

        path = Path(options["file"]) if options["file"] else DEMO_INTEGRATED
        try:
            summary = load_integrated(actor=None, data=read_integrated(path))
        except IntegratedDataError as exc:
            raise CommandError(f"数据文件 {path} 有误：\n" + "\n".join(f"  - {p}" for p in exc.problems)) from exc
        for line in summary.lines():
            self.stdout.write(line)


def format_summary(reports: list[Report], seconds: float) -> str:
    combos = sum(r.counts.combinations for r in reports if r.counts)
    applicable = sum(r.counts.applicable for r in reports if r.counts)
    options = sum(len(r.counts.option_hits) for r in reports if r.counts)
    totals: dict[str, int] = {}
    for r in reports:
        for check, n in r.summary().items():
            totals[check] = totals.get(check, 0) + n
    lines = [
        f"校验一件事 {len(reports)} 个，选项 {options} 个，情形组合 {_fmt(combos)} 种（可申请 {_fmt(applicable)}），"
        f"用时 {seconds:.2f} 秒",
        f"错误 {sum(len(r.errors) for r in reports)} 条，提示 {sum(len(r.warnings) for r in reports)} 条"
        f"，有错误的一件事 {sum(not r.ok for r in reports)} 个",
    ]
    for check, label in CHECK_LABELS.items():
        lines.append(f"  {label}：{totals.get(check, 0)}")
    return "\n".join(lines)


def _fmt(n: int) -> str:
    return f"{n:,}" if n < 10**15 else f"{n:.3e}"

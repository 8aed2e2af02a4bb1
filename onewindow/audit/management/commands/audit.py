"""`onewindow audit verify` checks the SM3 hash chain (exit status 1 on any problem); `onewindow audit export
[--since DATE] [--until DATE] [--out FILE]` writes audit rows with their links as JSON lines for archiving;
`onewindow audit prune [--months N]` deletes rows older than the retention period (at least 6 months)."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from onewindow.audit.chain import describe_event, seal_pending, verify_chain
from onewindow.audit.models import AuditEvent
from onewindow.audit.services import prune, record_event


def _day(value: str, end: bool = False) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from exc
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链；export 导出归档（JSON Lines）；prune 删除超过保存期限的记录。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "export", "prune", "seal"])
        parser.add_argument("--since", default="")
        parser.add_argument("--until", default="")
        parser.add_argument("--out", default="", help="导出文件（默认标准输出）")
        parser.add_argument("--months", type=int, default=None, help="保存月数（不少于 6，默认取设置）")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action in {"verify", "seal"}:
            sealed = seal_pending()
            if action == "seal":
                self.stdout.write(f"已封存 {sealed} 条")
                return
            report = verify_chain()
            if report.ok:
                self.stdout.write(f"审计哈希链完好：{report.checked} 条（链尾 #{report.head_seq}；本次补封 {sealed} 条）")
                return
            for problem in report.problems[:200]:
                self.stderr.write(problem)
            self.stderr.write(f"审计哈希链校验失败：{len(report.problems)} 处问题，共检查 {report.checked} 条")
            sys.exit(1)
        if action == "export":
            seal_pending()
            events = AuditEvent.objects.order_by("pk")
            if options["since"]:
                events = events.filter(at__gte=_day(options["since"]))
            if options["until"]:
                events = events.filter(at__lte=_day(options["until"], end=True))
            out = open(options["out"], "w", encoding="utf-8") if options["out"] else self.stdout  # noqa: SIM115
            count = 0
            try:
                for event in events.iterator(chunk_size=2000):
                    out.write(json.dumps(describe_event(event), ensure_ascii=False, default=str) + "\n")
                    count += 1
            finally:
                if options["out"]:
                    out.close()
            with transaction.atomic():
                record_event(actor=None, action="audit_exported", object_type="audit.auditevent", object_id="",
                             summary=str(count), data={"since": options["since"], "until": options["until"]})
            if options["out"]:
                self.stdout.write(f"已导出 {count} 条到 {options['out']}")
            return
        try:
            count = prune(actor=None, months=options["months"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已删除 {count} 条超过保存期限的审计记录")

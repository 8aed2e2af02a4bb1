"""``onewindow pii status|rotate|scan``: personal information at rest (docs/privacy.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from onewindow.audit.services import record_event
from onewindow.core import pii


class Command(BaseCommand):
    help = "个人信息加密：status 各密钥的密文数，rotate 用当前密钥重新加密，scan 扫描数据库中的明文身份证号和手机号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "rotate", "scan"])
        parser.add_argument("--batch", type=int, default=500, help="rotate: 每批行数（每批一个事务）")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "status":
            self.stdout.write(f"current key: {pii.current_key_id()}  configured: {', '.join(sorted(pii.keys()))}")
            totals: dict[str, int] = {}
            for name, counts in pii.key_status().items():
                shown = " ".join(f"{key}={n}" for key, n in sorted(counts.items())) or "-"
                self.stdout.write(f"{name}: {shown}")
                for key, n in counts.items():
                    totals[key] = totals.get(key, 0) + n
            self.stdout.write("total: " + (" ".join(f"{k}={n}" for k, n in sorted(totals.items())) or "-"))
        elif action == "rotate":
            rewritten = pii.rotate(batch=options["batch"])
            with transaction.atomic():
                record_event(actor=None, action="pii.rotate", object_type="pii.key", object_id=pii.current_key_id(),
                             summary=f"re-encrypted {rewritten} values", data={"rewritten": rewritten})
            self.stdout.write(f"re-encrypted {rewritten} values under key {pii.current_key_id()}")
        else:
            findings = pii.scan_database()
            for finding in findings:
                self.stdout.write(f"{finding.table}.{finding.column}: {finding.count} rows with a plain {finding.kind}")
            if findings:
                raise CommandError(f"plain personal information in {len(findings)} column(s)")
            self.stdout.write("no plain ID or mobile numbers found")

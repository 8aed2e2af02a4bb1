"""`onewindow stats rebuild` recomputes every counter from the source tables; `onewindow stats flush` folds
any pending changes into the counters (normally done right after each commit)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onewindow.stats import services


class Command(BaseCommand):
    help = "统计：rebuild 按源数据全部重算；flush 处理待更新的统计。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "flush"])

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["action"] == "rebuild":
            counts = services.rebuild()
            detail = "，".join(f"{k} {n}" for k, n in counts.items())
            self.stdout.write(f"统计已重算：{detail}（{time.monotonic() - started:.1f} 秒）")
        else:
            n = services.flush()
            self.stdout.write(f"已更新 {n} 个对象的统计（{time.monotonic() - started:.1f} 秒）")

"""`onewindow simulate --days N --rate R`: generate activity through the real services (see
onewindow/stats/simulation.py), then bring the statistics up to date."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.stats import services
from onewindow.stats.bulk import analyse, bulk_simulate
from onewindow.stats.simulation import simulate


class Command(BaseCommand):
    help = "模拟一个县的办件活动（经由真实的办件和评价服务）：--days 天数，--rate 每个工作日的来件量。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30, help="模拟天数（截至今天）")
        parser.add_argument("--rate", type=float, default=50, help="每个工作日平均来件量")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--bulk", action="store_true",
                            help="批量模式：按同样的业务规则在内存中推演，批量写入办件和环节，最后整体重算统计（县级全年数据量时使用）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 1 or options["rate"] < 0:
            raise CommandError("--days 至少为 1，--rate 不能为负数")
        audit_log = logging.getLogger("onewindow.audit")
        level = audit_log.level
        if options["verbosity"] < 2:
            audit_log.setLevel(logging.WARNING)
        started = time.monotonic()

        def progress(day: Any, cases: int) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"  {day}: 累计 {cases} 件")

        try:
            if options["bulk"]:
                result = bulk_simulate(days=options["days"], rate=options["rate"], seed=options["seed"],
                                       progress=progress)
                loaded = time.monotonic() - started
                analyse()
                services.rebuild()
                self.stdout.write(f"批量写入：办件 {result.cases} 件，环节 {result.events} 条，评价 {result.ratings} 条，"
                                  f"用时 {loaded:.1f} 秒；统计重算 {time.monotonic() - started - loaded:.1f} 秒")
                counts = {"cases": result.cases, "ratings": result.ratings, "skipped": 0}
            else:
                counts = simulate(days=options["days"], rate=options["rate"], seed=options["seed"], progress=progress)
                services.flush()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            audit_log.setLevel(level)
        seconds = time.monotonic() - started
        self.stdout.write(f"模拟完成：办件 {counts['cases']} 件，评价 {counts['ratings']} 条，跳过 {counts['skipped']} 件，"
                          f"用时 {seconds:.1f} 秒（{counts['cases'] / max(seconds, 1e-9):.1f} 件/秒）")

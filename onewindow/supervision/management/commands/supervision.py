from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.supervision.choices import HandoffStatus
from onewindow.supervision.models import Handoff


class Command(BaseCommand):
    help = "审管联动：催办逾期未认领的记录（escalate），或查看状态（status）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["escalate", "status"])
        parser.add_argument("--today", help="按这一天计算（YYYY-MM-DD），默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        from onewindow.core import clock
        from onewindow.supervision.services import escalate_handoffs

        try:
            today = dt.date.fromisoformat(options["today"]) if options["today"] else clock.today()
        except ValueError as exc:
            raise CommandError(f"--today: {exc}") from exc
        if options["action"] == "status":
            for status in HandoffStatus:
                self.stdout.write(f"{status.value}: {Handoff.objects.filter(status=status).count()}")
            self.stdout.write(f"overdue: {Handoff.objects.overdue(today).count()}")
            self.stdout.write(f"pool: {Handoff.objects.pool().count()}")
            return
        counts = escalate_handoffs(actor=None, today=today)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onewindow.outbox.models import OutboxMessage, OutboxStatus
from onewindow.outbox.services import deliver_due


class Command(BaseCommand):
    help = "发件箱：投递到期消息（work），或查看状态（status）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["work", "status"])
        parser.add_argument("--loop", action="store_true", help="一直运行，每隔 --interval 秒投递一次")
        parser.add_argument("--interval", type=float, default=2.0)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            for status in OutboxStatus:
                self.stdout.write(f"{status.value}: {OutboxMessage.objects.filter(status=status).count()}")
            return
        while True:
            counts = deliver_due(limit=500)
            if any(counts.values()):
                self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
            if not options["loop"]:
                return
            time.sleep(options["interval"])

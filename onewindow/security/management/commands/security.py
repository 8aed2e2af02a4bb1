"""`onewindow security unlock <username|ip>` lifts login locks (audited); `onewindow security locks` lists the
locks in force; `onewindow security reset-2fa <username>` removes a staff member's authenticators."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from onewindow.security import services
from onewindow.security.models import Lockout


class Command(BaseCommand):
    help = "登录安全：解除锁定（unlock）、列出锁定（locks）、重置动态口令（reset-2fa）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["unlock", "locks", "reset-2fa"])
        parser.add_argument("key", nargs="?", default="", help="用户名或 IP 地址")
        parser.add_argument("--by", default="", help="执行操作的管理员用户名（记入审计日志）")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        actor = User._default_manager.filter(username=options["by"]).first() if options["by"] else None
        if options["by"] and actor is None:
            raise CommandError(f"没有用户 {options['by']}")
        if options["action"] == "locks":
            for lock in Lockout.objects.filter(released_at__isnull=True, until__gt=timezone.now()):
                self.stdout.write(f"{lock.kind}\t{lock.key}\t{timezone.localtime(lock.until):%Y-%m-%d %H:%M}")
            return
        if not options["key"]:
            raise CommandError("请给出用户名或 IP 地址")
        if options["action"] == "unlock":
            count = services.unlock_key(actor=actor, key=options["key"])
            self.stdout.write(f"已解除 {count} 个锁定")
            return
        user = User._default_manager.filter(username=options["key"]).first()
        if user is None:
            raise CommandError(f"没有用户 {options['key']}")
        count = services.reset_second_factor(actor=actor, user=user)
        self.stdout.write(f"已删除 {count} 个动态口令设备，下次登录时重新绑定")

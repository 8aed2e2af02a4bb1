"""`onewindow demo` loads the demo county (idempotent); `--file PATH` loads another county's data file;
`--logins` prints the demo logins table and nothing else."""

from __future__ import annotations

import logging
import time
import unicodedata
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.demo.loader import DEMO_DATA, CountyDataError, load_county, login_rows, read_data, validate


class Command(BaseCommand):
    help = "载入演示县（或 --file 指定的县数据文件）：服务网络、部门科室、事项目录、窗口和演示账号。可重复运行，不会产生重复数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", choices=["totp"],
                            help="totp <用户名>：打印演示账号当前的动态口令（6位数字）")
        parser.add_argument("username", nargs="?", default="")
        parser.add_argument("--file", default=None, help=f"县数据文件（JSON），默认 {DEMO_DATA}")
        parser.add_argument("--logins", action="store_true", help="只打印演示账号表（不读写数据库）")
        parser.add_argument("--cases", type=int, default=300,
                            help="生成的演示办件数（经由真实的办件服务，各种状态都有；0 表示不生成）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "totp":
            self.stdout.write(current_totp(options["username"]))
            return
        path = Path(options["file"]) if options["file"] else DEMO_DATA
        try:
            data = read_data(path)
            if options["logins"]:
                validate(data)
                rows = login_rows(data)
                if not rows:
                    raise CommandError(f"数据文件 {path} 中没有 logins")
                self.stdout.write(format_table(rows))
                return
            started = time.monotonic()
            # Every write leaves an audit row; its log line per row (hundreds here) is noise on a bulk load.
            audit_log = logging.getLogger("onewindow.audit")
            level = audit_log.level
            if options["verbosity"] < 2:
                audit_log.setLevel(logging.WARNING)
            try:
                summary = load_county(actor=None, data=data)
            finally:
                audit_log.setLevel(level)
        except CountyDataError as exc:
            raise CommandError(
                f"数据文件 {path} 有误，未写入任何数据：\n" + "\n".join(f"  - {p}" for p in exc.problems)
            ) from exc
        state = "已载入" if summary.changed_anything else "已是最新，未作改动"
        self.stdout.write(f"{summary.county}：{state}（{time.monotonic() - started:.1f} 秒）")
        for line in summary.lines():
            self.stdout.write(f"  {line}")
        if not options["file"]:
            # The demo county's integrated services (一件事) reference its items by implementation code.
            from onewindow.integrated.demo import load_integrated, read_integrated

            integrated = load_integrated(actor=None, data=read_integrated())
            for line in getattr(integrated, "lines", lambda: [])():
                self.stdout.write(f"  {line}")
            # Licence types and the sandbox data sources, then a first ticket queue for each centre with windows:
            # both idempotent, so that `make run` opens on a county where every screen has something to show.
            from django.core.management import call_command

            call_command("licences_demo", stdout=self.stdout)
            call_command("hall", "setup", stdout=self.stdout)
        if options["cases"]:
            from onewindow.demo.cases import generate_cases

            started = time.monotonic()
            audit_log = logging.getLogger("onewindow.audit")
            level = audit_log.level
            if options["verbosity"] < 2:
                audit_log.setLevel(logging.WARNING)
            try:
                created = generate_cases(count=options["cases"])
            finally:
                audit_log.setLevel(level)
            self.stdout.write(f"  演示办件：新增 {created} 件（{time.monotonic() - started:.1f} 秒）")
        # Leaders' dashboard: counters from whatever the database holds (also cases loaded before the stats app).
        from django.core.management import call_command as run_command

        run_command("stats", "rebuild", stdout=self.stdout)


COLUMNS = [("username", "用户名"), ("password", "密码"), ("role", "角色"), ("name", "姓名"), ("scope", "范围"),
           ("does", "可以做什么")]


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(rows: list[dict[str, str]]) -> str:
    widths = {key: max(_width(title), *(_width(r[key]) for r in rows)) for key, title in COLUMNS}
    last = COLUMNS[-1][0]
    lines = ["  ".join(_pad(title, widths[key]) if key != last else title for key, title in COLUMNS)]
    lines.append("  ".join("-" * widths[key] for key, _ in COLUMNS))
    for row in rows:
        lines.append("  ".join(_pad(row[key], widths[key]) if key != last else row[key] for key, _ in COLUMNS))
    return "\n".join(lines)


def current_totp(username: str) -> str:
    """The code a demo account's authenticator would show now (the demo TOTP secret only)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__username=username, name="demo", confirmed=True).first()
    if device is None:
        raise CommandError(f"{username or '（未给出用户名）'} 不是已载入的演示账号（先运行 onewindow demo）")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"

"""`onewindow ratings invite`: SMS invitations to rate completed, unrated cases (again after N days); run daily."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onewindow.ratings import services


class Command(BaseCommand):
    help = "好差评：邀请已办结未评价的办件申请人评价（invite）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        invite = sub.add_parser("invite", help="发送评价邀请短信（首次，及 N 天后再次邀请）")
        invite.add_argument("--lookback-days", type=int, default=30, help="只邀请最近 N 天内办结的办件")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = services.invite_unrated(actor=None, lookback_days=options["lookback_days"])
        self.stdout.write(f"invited first={counts['first']} again={counts['again']} defaulted={counts['defaulted']}")

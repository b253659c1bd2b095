"""``manage.py scan_delays``: run the nightly delay scan now and print a one-line summary."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from review import judging


class Command(BaseCommand):
    help = "遅延の判定を今すぐ実行し、結果を1行で表示します。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="判定日（YYYY-MM-DD、既定は今日）")
        parser.add_argument(
            "--all", action="store_true", help="全件を判定し直す（マイルストーン変更後など）"
        )

    def handle(self, *args, date: str | None = None, all: bool = False, **options) -> None:
        try:
            on = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError("--date は 2015-07-09 の形で指定してください。") from None
        result = judging.rejudge_all(on) if all else judging.scan(on)
        self.stdout.write(
            f"entries judged: {result.judged}, flags raised: {result.raised}, "
            f"resolved: {result.resolved}, mails queued: {result.queued}"
        )

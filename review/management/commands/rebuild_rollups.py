"""``manage.py rebuild_rollups``: build the per-organisation rollup again from scratch."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from review import orgrollups


class Command(BaseCommand):
    help = "団体別の集計を計画の行と未解消の遅延から作り直します。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--programme", type=int, action="append", help="プログラムの ID（既定はすべて）"
        )

    def handle(self, *args, programme: list[int] | None = None, **options) -> None:
        cells = orgrollups.rebuild(programme)
        self.stdout.write(f"organisation cells written: {cells}")

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from actionplan import definition, excel, seed, services


class Command(BaseCommand):
    help = (
        "Create or update a programme from an .xlsx definition (sheets プログラム, 作業項目, "
        "タスク, マイルストーン, 完了項目). --template writes the seed programme in that shape."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the .xlsx file to load (or to write with --template)")
        parser.add_argument(
            "--template", action="store_true", help="write the seed programme to FILE instead"
        )

    def handle(self, *args, file: str, template: bool, **options) -> None:
        path = Path(file)
        if template:
            path.write_bytes(definition.workbook(seed.definition()))
            self.stdout.write(f"wrote {path}")
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        try:
            spec = definition.read(data, path.name)
        except excel.UploadRefused as refused:
            raise CommandError(str(refused)) from refused
        except definition.DefinitionError as error:
            raise CommandError("\n".join(error.problems)) from error
        programme = services.load_programme(spec)
        tasks = sum(len(item["tasks"]) for item in spec["work_items"])
        self.stdout.write(
            f"programme {programme.name}: {len(spec['work_items'])} work items, {tasks} tasks"
        )

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from orgs.loader import LoadError, load_all


class Command(BaseCommand):
    help = "Load ministries and the 1,788 local governments (JIS X 0402). Safe to run again."

    def handle(self, *args, **options) -> None:
        try:
            result = load_all()
        except LoadError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"organisations: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )

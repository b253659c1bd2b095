from __future__ import annotations

from importlib import import_module

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Apps that ship real starting content (not demo data) as ``<app>/seed.py`` with ``load()``.
SEEDED_APPS = ("actionplan", "documents", "faq")


class Command(BaseCommand):
    help = (
        "Load the organisations and every app's shipped starting content (the seed programme, "
        "procedures, FAQs). Idempotent; safe in production."
    )

    def handle(self, *args, **options) -> None:
        call_command("load_organizations", stdout=self.stdout)
        for app in SEEDED_APPS:
            try:
                seed = import_module(f"{app}.seed")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.seed":
                    raise
                continue
            summary = seed.load()
            self.stdout.write(f"{app}: {summary}")
            if publish := getattr(seed, "publish", None):  # e.g. the seed programme
                self.stdout.write(f"{app}: {publish()}")

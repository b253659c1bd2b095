from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEFAULT_PASSWORD, DEMO_TOTP_SECRET, load_demo_accounts
from pmo.env import env
from pmo.text import display_width

# Apps with demo content in ``<app>/demo.py`` (``load()``), loaded after the demo accounts.
DEMO_APPS = ("actionplan", "documents", "faq", "review", "surveys")


def pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (``str.ljust`` counts characters)."""
    return text + " " * max(1, width - display_width(text))


class Command(BaseCommand):
    help = "Load the demo accounts (one per role) and print their logins. Refused in production."

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("load_demo refuses to run with DJANGO_ENV=production.")
        password = env.str("DEMO_PASSWORD", DEFAULT_PASSWORD)
        try:
            users = load_demo_accounts(password)
        except LookupError as exc:
            raise CommandError(f"{exc}; run `manage.py load_organizations` first.") from exc
        for app in DEMO_APPS:
            try:
                demo = import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            self.stdout.write(f"{app}: {demo.load()}")
        self.stdout.write(f"Demo logins (password for all: {password})")
        self.stdout.write(
            "Administrators, the coordinator, reviewers, editors, prefecture admins and account "
            "managers use two-factor login: `.venv/bin/python manage.py demo_totp` prints the code "
            f"(or add the TOTP secret {DEMO_TOTP_SECRET} to an authenticator app)."
        )
        for user in users:
            self.stdout.write(
                f"  {user.email:<28} {pad(str(user.get_role_display()), 26)}"
                f"{user.organization.full_name if user.organization else ''}"
            )

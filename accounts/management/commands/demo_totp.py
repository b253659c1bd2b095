from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_TOTP_SECRET, current_totp_code


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo accounts. Refused in production."

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo_totp refuses to run with DJANGO_ENV=production.")
        self.stdout.write(f"{current_totp_code()}  (TOTP secret {DEMO_TOTP_SECRET})")

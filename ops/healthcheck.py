#!/usr/bin/env python3
"""Container health checks (docker-compose.yml): ``python ops/healthcheck.py web|beat``.

``web`` asks gunicorn for ``/healthz`` the way the reverse proxy does: with the first
``ALLOWED_HOSTS`` entry as ``Host`` and ``X-Forwarded-Proto: https``. A bare request to
127.0.0.1 would be refused by the host check (400) or redirected to HTTPS (301) by the very
settings production runs with, so checking that way would force weaker settings. Healthy when
``/healthz`` answers 200 (database and broker reachable).

``beat [FOLDER]`` is healthy when its schedule file (``celerybeat-schedule*`` in FOLDER,
default ``PMO_VAR_DIR``) was
written within ``BEAT_HEALTH_MAX_AGE`` seconds (600): beat rewrites it at start and every
three minutes while it ticks, and the ``publish_due_documents`` entry makes it tick each minute.

Standard library only, no Django start-up: it runs every few seconds.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import time
from pathlib import Path


def setting(name: str, default: str = "") -> str:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def web() -> str | None:
    hosts = [host.strip() for host in setting("ALLOWED_HOSTS").split(",") if host.strip()]
    host = (hosts[0] if hosts else "localhost").lstrip(".")  # ".example.jp" allows subdomains
    if host == "*":
        host = "localhost"
    port = int(os.environ.get("PORT", "8000"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        body = response.read()
    except OSError as exc:
        return f"no answer on 127.0.0.1:{port} ({exc})"
    finally:
        connection.close()
    if response.status != 200:
        return f"/healthz answered {response.status} for Host {host}: {body[:200]!r}"
    return None if json.loads(body).get("status") == "ok" else f"/healthz says {body[:200]!r}"


def beat(folder: str = "") -> str | None:
    default = os.environ.get("PMO_VAR_DIR") or Path(__file__).resolve().parent.parent / "var"
    folder = Path(folder or default)
    max_age = int(os.environ.get("BEAT_HEALTH_MAX_AGE", "600"))
    files = list(folder.glob("celerybeat-schedule*"))
    if not files:
        return f"no celerybeat-schedule file in {folder}"
    age = time.time() - max(path.stat().st_mtime for path in files)
    return None if age <= max_age else f"the beat schedule was last written {age:.0f} s ago"


def main() -> int:
    checks = {"web": web, "beat": beat}
    if (
        len(sys.argv) < 2
        or sys.argv[1] not in checks
        or len(sys.argv) > 2 + (sys.argv[1] == "beat")
    ):
        print("usage: healthcheck.py web | beat [FOLDER]", file=sys.stderr)
        return 2
    problem = checks[sys.argv[1]](*sys.argv[2:])
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

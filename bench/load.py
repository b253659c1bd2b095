"""The load group: 200 municipal staff and 10 reviewers against the production stack.

The data is built through the product's own services (organisations, the seed programme,
accounts issued and activated through their links, second factors enrolled); then gunicorn
(the compose command, production settings), a Celery worker and a Redis of its own serve it on
127.0.0.1, and locust (headless, bounded in users and time) plays :mod:`bench.locustfile`.

Needs Postgres (``DATABASE_URL``); ``BENCH_LOAD=0`` skips it. ``BENCH_LOAD_USERS`` (staff,
default 200), ``BENCH_LOAD_SECONDS`` (default 150), ``BENCH_LOAD_WORKERS`` and
``BENCH_LOAD_THREADS`` (gunicorn workers and threads, default as compose) change the run.
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core import mail
from django.core.management import call_command

from bench import benchmark
from tests.services import RedisServer, free_port

OUT = Path("var/load")
PASSWORD = "load-test-password-2015"
REVIEWERS = 10
TOKEN = re.compile(r"/accounts/activate/([\w-]+)/")


def _env() -> dict[str, str]:
    return {name: os.environ.get(name, default) for name, default in _SETTINGS.items()}


_SETTINGS = {
    "BENCH_LOAD": "1",
    "BENCH_LOAD_USERS": "200",
    "BENCH_LOAD_SECONDS": "150",
    "BENCH_LOAD_WORKERS": "",  # empty: as docker-compose.yml's web command
    "BENCH_LOAD_THREADS": "",
    "BENCH_LOAD_PORT": "",  # empty: any free port
}


def _issue(issuer, people: list[tuple[str, object, str]]) -> list:
    """Issue accounts as the issuance page does, then follow each mailed link."""
    from accounts import invitations, services

    mail.outbox = []
    accounts = [
        services.NewAccount(
            email=email,
            display_name=f"負荷 {n}",
            organization=organization,
            role=role,
        )
        for n, (email, organization, role) in enumerate(people)
    ]
    users = services.issue_accounts(issuer, accounts)
    tokens = {message.to[0]: TOKEN.search(message.body).group(1) for message in mail.outbox}
    for user in users:
        invitations.activate(tokens[user.email], PASSWORD)
    return users


def build(staff_count: int) -> dict:
    """Organisations, the seed programme with entries, and the accounts the users log in as."""
    from allauth.mfa.totp.internal.auth import TOTP

    from accounts.demo import load_demo_accounts
    from accounts.roles import Role
    from actionplan.models import Programme
    from orgs.models import Organization, OrganizationKind

    call_command("load_reference_data", verbosity=0)  # publishes the seed programme
    demo = {user.email: user for user in load_demo_accounts(PASSWORD)}
    programme = Programme.objects.order_by("pk").first()
    assert programme.is_published, "the seed programme gives every organisation its entries"
    local = Organization.objects.exclude(kind=OrganizationKind.MINISTRY).order_by("code")
    organizations = list(local[:staff_count])
    staff = _issue(
        demo["admin@demo.example"],
        [(f"staff{n}@load.example", org, Role.STAFF) for n, org in enumerate(organizations)],
    )
    ministries = Organization.objects.filter(kind=OrganizationKind.MINISTRY).order_by("code")
    reviewers = _issue(
        demo["admin@demo.example"],
        [
            (f"reviewer{n}@load.example", ministries[n % ministries.count()], Role.REVIEWER)
            for n in range(REVIEWERS)
        ],
    )
    secret = secrets.token_hex(10).upper()
    for user in reviewers:
        TOTP.activate(user, _base32(secret))
    return {
        "password": PASSWORD,
        "staff": [{"email": u.email, "code": u.organization.code} for u in staff],
        "reviewers": [{"email": u.email, "totp": _base32(secret)} for u in reviewers],
    }


def _base32(secret: str) -> str:
    import base64

    return base64.b32encode(bytes.fromhex(secret)).decode()


def _database_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db.get('USER') or 'postgres'}{password}@{db.get('HOST') or '127.0.0.1'}"
        f":{db.get('PORT') or 5432}/{db['NAME']}"
    )


def _stack_env(redis_url: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("BENCH_")},
        "DJANGO_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "PMO_VAR_DIR": str(OUT.resolve() / "var"),
        "LOG_LEVEL": "WARNING",
    }


def web_command(port: int, workers: str = "", threads: str = "") -> list[str]:
    """The compose file's web command (docker-compose.yml, read from it so the two cannot
    drift apart), bound to 127.0.0.1:``port``; ``workers``/``threads`` override its values."""
    text = Path("docker-compose.yml").read_text(encoding="utf-8")
    web = text[text.index("\n  web:\n") :]
    found = re.search(r"command: (\[.*?\])", web, re.S)
    if found is None:
        raise RuntimeError("docker-compose.yml: no web command")
    command = json.loads(found.group(1))
    for option, value in (("--bind", f"127.0.0.1:{port}"), ("--workers", workers)):
        if value:
            command[command.index(option) + 1] = value
    if threads:
        if "--threads" in command:
            command[command.index("--threads") + 1] = threads
        else:
            command += ["--threads", threads]
        if int(threads) > 1 and "--keep-alive" not in command:
            # gthread keeps connections open 2 s by default: the users' next request (1-5 s
            # later) would often meet a connection the server is just closing (reset).
            command += ["--keep-alive", "75"]
    return command


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def _wait_healthy(port: int, seconds: float = 60) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
    )
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"gunicorn on {port} did not become healthy")


def _stats() -> tuple[dict[str, float], list[list[str]]]:
    figures: dict[str, float] = {}
    rows = []
    with open(OUT / "locust_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = "all" if row["Name"] == "Aggregated" else row["Name"]
            count = int(row["Request Count"])
            if not count:
                continue
            for label, column in (("p50", "50%"), ("p95", "95%"), ("p99", "99%")):
                figures[f"load {name} {label} ms"] = float(row[column])
            figures[f"load {name} requests"] = count
            figures[f"load {name} failures"] = int(row["Failure Count"])
            if name == "all":
                figures["load requests/s"] = round(float(row["Requests/s"]), 1)
    with open(OUT / "locust_failures.csv", encoding="utf-8") as handle:
        rows = [[r["Name"], r["Error"], r["Occurrences"]] for r in csv.DictReader(handle)]
    return figures, rows


@benchmark
def load() -> dict[str, float]:
    conf = _env()
    if conf["BENCH_LOAD"] == "0" or settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        print("load: skipped (needs DATABASE_URL=postgres://…; BENCH_LOAD=0 skips it)")
        return {}
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    accounts = build(int(conf["BENCH_LOAD_USERS"]))
    (OUT / "accounts.json").write_text(json.dumps(accounts), encoding="utf-8")
    figures: dict[str, float] = {"load build s": round(time.monotonic() - started, 1)}
    redis = RedisServer().start()
    port = int(conf["BENCH_LOAD_PORT"] or free_port())
    env = _stack_env(redis.url)
    # As the image build does, with the stack's own settings (manifest storage).
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, check=True
    )
    logs = open(OUT / "stack.log", "w", encoding="utf-8")  # noqa: SIM115 - closed below
    serve = web_command(port, conf["BENCH_LOAD_WORKERS"], conf["BENCH_LOAD_THREADS"])
    print("load: " + " ".join(serve), flush=True)
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", *serve], env=env, stdout=logs, stderr=subprocess.STDOUT
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pmo", "worker", "-c", "1", "--loglevel=WARNING"],
        env=env, stdout=logs, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_healthy(port)
        pids = _children(gunicorn.pid)
        cpu_before = _cpu_seconds(pids)
        users = len(accounts["staff"]) + len(accounts["reviewers"])
        play = ["locust", "-f", "bench/locustfile.py", "--headless", "--only-summary"]
        play += ["--users", str(users), "--spawn-rate", "5"]
        play += ["--run-time", f"{conf['BENCH_LOAD_SECONDS']}s", "--stop-timeout", "10"]
        play += ["--host", f"http://127.0.0.1:{port}", "--csv", str(OUT / "locust")]
        subprocess.run(
            [sys.executable, "-m", *play, "--loglevel", "WARNING"],
            env={**os.environ, "PMO_LOAD_ACCOUNTS": str(OUT / "accounts.json")},
            check=False,
            timeout=int(conf["BENCH_LOAD_SECONDS"]) + 120,
        )
        cpu = _cpu_seconds(pids) - cpu_before
    finally:
        for process in (gunicorn, worker):
            process.send_signal(signal.SIGTERM)
        for process in (gunicorn, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        redis.stop()
        logs.close()
    stats, failures = _stats()
    figures.update(stats)
    total = stats.get("load all requests", 0)
    figures["load app CPU ms/request"] = round(1000 * cpu / total, 1) if total else 0.0
    figures["load 429 responses"] = sum(int(n) for _, error, n in failures if "429" in error)
    for name, error, occurrences in failures:
        print(f"load failure: {name}: {error} × {occurrences}")
    return figures

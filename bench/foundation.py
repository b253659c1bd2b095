"""Foundation figures: loading the organisations, and the TOP page."""

from __future__ import annotations

import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import benchmark


@benchmark
def organisation_load() -> dict[str, float]:
    from orgs.loader import load_all

    start = time.perf_counter()
    first = load_all()
    first_seconds = time.perf_counter() - start
    start = time.perf_counter()
    load_all()
    again_seconds = time.perf_counter() - start
    return {
        "orgs.load.rows": first.created,
        "orgs.load.first_s": round(first_seconds, 3),
        "orgs.load.again_s": round(again_seconds, 3),
    }


@benchmark
def top_page() -> dict[str, float]:
    from accounts.demo import load_demo_accounts
    from orgs.loader import load_all

    load_all()
    users = {user.email: user for user in load_demo_accounts()}
    client = Client()
    client.force_login(users["sapporo@demo.example"])
    client.get("/")
    runs = 50
    start = time.perf_counter()
    for _ in range(runs):
        client.get("/")
    per_request_ms = (time.perf_counter() - start) / runs * 1000
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    return {"top.server_ms": round(per_request_ms, 2), "top.queries": len(queries)}

"""Jobs under real faults, against this module's own Postgres and Redis and a real worker:
a worker killed mid-import leaves a job that expires ``failed`` and is retried by a new worker;
an unreachable broker refuses the upload on its form with no job left; a database restart right
after a save loses nothing and answers no 500."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import redis

from tests.services import PostgresServer, RedisServer

ROOT = Path(__file__).resolve().parents[2]
LEASE = 3  # seconds: short, so the test waits for the expiry instead of travelling in time
# One worker builds the module's world (a Postgres cluster, migrated, and a Redis) once.
pytestmark = pytest.mark.xdist_group("faults-jobs-world")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Own Postgres (migrated, with a plan of ~1,000 rows) and own Redis, for the module."""
    postgres = PostgresServer().init().start()
    own_redis = RedisServer().start()
    env = {
        **os.environ,
        "DATABASE_URL": postgres.url,
        "REDIS_URL": own_redis.url,
        "JOB_LEASE_SECONDS": str(LEASE),
        "ALLOWED_HOSTS": "testserver",
        "FAULT_SHEET": str(tmp_path_factory.mktemp("jobs") / "plan.xlsx"),
        "FAULT_PG_PORT": str(postgres.port),
        "FAULT_PG_DATA": str(postgres.data),
    }
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True
        )
        assert step(env, "setup")["entries"] > 1000
        yield {"env": env, "redis": own_redis, "postgres": postgres}
    finally:
        own_redis.stop()
        postgres.remove()


def step(env: dict, name: str, *args) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.faults.steps", name, *map(str, args)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pmo", "worker", "--pool=solo", "-l", "warning"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise TimeoutError(what)


def test_a_worker_killed_mid_import_ends_failed_and_a_retry_succeeds(world):
    env = world["env"]
    answer = step(env, "upload")
    assert answer["status"] == 302, answer
    (job,) = answer["jobs"]
    assert job["state"] == "queued"
    cache = redis.Redis.from_url(world["redis"].url)
    first = worker(env)
    try:
        # The worker writes progress every 250 rows: kill it once it is well into the sheet.
        wait_for(lambda: cache.keys(f"*actionplan:import:{job['pk']}"), 60, "import progress")
        os.killpg(first.pid, signal.SIGKILL)
    finally:
        first.wait(timeout=10)
    now = step(env, "state", job["pk"])
    assert (now["state"], now["written"]) == ("running", 0)  # nothing half-written
    time.sleep(LEASE + 1)
    assert step(env, "expire") == {"expired": 1}
    assert step(env, "expire") == {"expired": 0}  # a second run changes nothing
    failed = step(env, "state", job["pk"])
    assert (failed["state"], failed["failure"]) == ("failed", "interrupted")
    assert failed["message"] == "処理が中断されました。もう一度お試しください。"

    retried = step(env, "retry", job["pk"])
    assert "処理が中断されました。もう一度お試しください。" in retried["page"]
    assert retried["status"] == 302 and retried["new"]
    second = worker(env)
    try:
        done = wait_for(
            lambda: (s := step(env, "state", retried["new"]))["state"] == "done" and s,
            120,
            "the retried import",
        )
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)
    assert done["changed"] == done["written"] > 1000
    assert step(env, "state", job["pk"])["state"] == "failed"  # the old job stays as it was


def test_a_live_worker_holding_its_job_row_is_never_expired(world):
    """The worker renews inside its transaction, locking the row; the expiry skips locked rows
    however late the lease looks, and expires the job once the lock is gone."""
    env = world["env"]
    job = step(env, "stale_job")["pk"]
    with psycopg.connect(world["postgres"].url) as worker_connection:
        worker_connection.execute(
            "SELECT id FROM actionplan_importjob WHERE id = %s FOR UPDATE", [job]
        )
        assert step(env, "expire") == {"expired": 0}
        assert step(env, "state", job)["state"] == "running"
        worker_connection.rollback()  # the worker dies: its transaction and lock go with it
    assert step(env, "expire") == {"expired": 1}
    assert step(env, "state", job)["state"] == "failed"


def test_broker_down_refuses_the_upload_on_its_form_and_leaves_no_job(world):
    env = world["env"]
    world["redis"].stop()
    try:
        answer = step(env, "upload")
    finally:
        world["redis"].start()
    assert answer["status"] == 503
    assert "処理を受け付けられませんでした" in answer["body"]
    assert all(job["state"] != "queued" for job in answer["jobs"])  # no orphan left queued


def test_a_database_restart_right_after_a_save_loses_nothing_and_answers_no_500(world):
    answer = step(world["env"], "save_through_restart")
    first_status, first_body = answer["first"]
    again_status, again_body = answer["again"]
    assert first_status == 200 and "保存しました。" in first_body, first_body[:3000]
    assert again_status == 200 and "保存しました。" in again_body  # not a conflict with itself
    assert answer["remarks"] == "再起動の直前に保存"
    before, after = answer["versions"]
    assert after == before + 1  # saved once

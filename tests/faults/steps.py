"""Steps a fault test runs in a fresh process against its own Postgres and Redis.

``python -m tests.faults.steps <step> [args]`` sets Django up from the environment the test
passes (DATABASE_URL, REDIS_URL, JOB_LEASE_SECONDS), runs one step and prints its answer as
JSON on the last line. Each step is what a person, a worker or the beat process would do.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

SYSTEMS = 330  # G's three per-system tasks × 330 systems + the rest ≈ 1,040 rows


def setup() -> dict:
    """A municipality with a plan of about a thousand rows, its staff, and the sheet they
    would upload with every row changed."""
    from actionplan import excel, publishing, seed, selectors
    from actionplan.models import OrganizationSystem, PlanEntry, Programme, TargetSystem
    from tests.factories import MunicipalityFactory, PrefectureFactory, UserFactory, mark_published

    seed.load()
    programme = mark_published(Programme.objects.get(name=seed.NAME))  # the upload page needs it
    hokkaido = PrefectureFactory(code="010006", name="北海道")
    sapporo = MunicipalityFactory(code="011002", name="札幌市", prefecture=hokkaido)
    UserFactory(email="alice@city.sapporo.lg.jp", organization=sapporo)
    systems = TargetSystem.objects.bulk_create(
        TargetSystem(name=f"業務システム{n:04d}", organization=sapporo) for n in range(SYSTEMS)
    )
    OrganizationSystem.objects.bulk_create(
        OrganizationSystem(organization=sapporo, system=system) for system in systems
    )
    publishing.ensure_entries(sapporo, programme)
    data = excel.export(sapporo, programme, selectors.plan(sapporo, programme).rows)
    with open(os.environ["FAULT_SHEET"], "wb") as out:
        out.write(_every_row_remarked(data))
    return {"entries": PlanEntry.objects.filter(organization=sapporo).count()}


def _every_row_remarked(data: bytes) -> bytes:
    import io

    from openpyxl import load_workbook

    from actionplan import excel

    book = load_workbook(io.BytesIO(data))
    sheet = book[excel.SHEET]
    for number in range(2, sheet.max_row + 1):
        sheet.cell(number, excel.INDEX["remarks"], "取込済み")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _client():
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email="alice@city.sapporo.lg.jp"))
    return client


def upload() -> dict:
    """alice uploads the big sheet: the answer, and the jobs that exist afterwards."""
    from actionplan.models import ImportJob

    with open(os.environ["FAULT_SHEET"], "rb") as sheet:
        response = _client().post("/orgs/011002/plan/upload/", {"file": sheet})
    return {
        "status": response.status_code,
        "location": response.get("Location", ""),
        "body": response.content.decode() if response.status_code != 302 else "",
        "jobs": list(ImportJob.objects.values("pk", "state")),
    }


def state(job_id: str) -> dict:
    """The job row, and what the plan holds (how many rows the import wrote)."""
    from actionplan.models import ImportJob, PlanEntry

    job = ImportJob.objects.get(pk=int(job_id))
    return {
        "state": job.state,
        "failure": job.failure,
        "message": job.failure_message,
        "changed": job.changed,
        "written": PlanEntry.objects.filter(remarks="取込済み").count(),
    }


def expire() -> dict:
    """What the beat task does every minute."""
    from pmo.tasks import expire_jobs

    return {"expired": expire_jobs()}


def retry(job_id: str) -> dict:
    """alice presses もう一度取り込む on the job page."""
    from actionplan.models import ImportJob

    client = _client()
    page = client.get(f"/orgs/011002/plan/imports/{job_id}/").content.decode()
    response = client.post(f"/orgs/011002/plan/imports/{job_id}/retry/")
    new = ImportJob.objects.exclude(pk=int(job_id)).order_by("-pk").first()
    return {"status": response.status_code, "page": page, "new": new.pk if new else None}


def save_through_restart() -> dict:
    """alice saves a row; Postgres goes down right after the commit and comes back; she sends
    the same save again, unsure it went through. Every answer, and what the row holds."""
    from django.db import close_old_connections

    from actionplan import services
    from actionplan.models import PlanEntry
    from tests.services import PostgresServer

    server = PostgresServer(int(os.environ["FAULT_PG_PORT"]))  # the test's own cluster
    shutil.rmtree(server.folder)
    server.data = Path(os.environ["FAULT_PG_DATA"])
    server.folder = server.data.parent
    target = PlanEntry.objects.filter(organization__code="011002", system=None).first()
    url = f"/orgs/011002/plan/entries/{target.pk}/edit/"
    data = {
        "planned_start": "2015-04-01",
        "planned_end": "2015-06-30",
        "actual_start": "",
        "actual_end": "",
        "status": "not_started",
        "not_applicable_reason": "",
        "progress": "0",
        "remarks": "再起動の直前に保存",
        "version": str(target.version),
    }
    client = _client()
    original = services.save_entry

    def save_then_database_restarts(*args, **kwargs):
        result = original(*args, **kwargs)  # committed
        server.stop("immediate")
        return result

    services.save_entry = save_then_database_restarts
    try:
        first = client.post(url, data, HTTP_HX_REQUEST="true")
    finally:
        services.save_entry = original
        server.start()
    # What the web server does at the start of every request (the test Client does not):
    # drop a connection that broke, so the next query reconnects.
    close_old_connections()
    again = client.post(url, data, HTTP_HX_REQUEST="true")
    close_old_connections()
    target.refresh_from_db()
    return {
        "first": [first.status_code, first.content.decode()],
        "again": [again.status_code, again.content.decode()],
        "remarks": target.remarks,
        "versions": [int(data["version"]), target.version],
    }


def stale_job() -> dict:
    """A running import whose lease has passed (its worker may be alive and only slow)."""
    import datetime as dt

    from django.utils import timezone

    from actionplan.models import PlanEntry
    from tests.factories import ImportJobFactory

    entry = PlanEntry.objects.select_related("organization", "task__work_item__programme").first()
    job = ImportJobFactory(
        organization=entry.organization,
        programme=entry.task.work_item.programme,
        user=None,
        filename="slow.xlsx",
        state="running",
        lease_expires_at=timezone.now() - dt.timedelta(minutes=1),
    )
    return {"pk": job.pk}


STEPS = {
    "stale_job": stale_job,
    "setup": setup,
    "upload": upload,
    "state": state,
    "expire": expire,
    "retry": retry,
    "save_through_restart": save_through_restart,
}

if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmo.settings")
    django.setup()
    step, *args = sys.argv[1:]
    print(json.dumps(STEPS[step](*args), ensure_ascii=False))

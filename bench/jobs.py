"""Jobs: what a web request spends on an upload at the inline limit, and on a bulk-issuance
sheet that goes to a worker; what the worker spends on 2,000 accounts."""

from __future__ import annotations

import io
import time

from django.test import Client
from django.utils import timezone

from bench import benchmark

ISSUE_ROWS = 2_000


def _sheet_of(rows: list[list[str]]) -> io.BytesIO:
    from openpyxl import Workbook

    from accounts import sheets

    book = Workbook()
    book.active.append([label for _, label in sheets.COLUMNS])
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "accounts.xlsx"
    return out


def _plan_sheet(data: bytes, rows: int) -> io.BytesIO:
    """The exported plan cut to ``rows`` data rows, each with a new remark."""
    from openpyxl import load_workbook

    from actionplan import excel

    book = load_workbook(io.BytesIO(data))
    sheet = book[excel.SHEET]
    sheet.delete_rows(rows + 2, sheet.max_row)
    for number in range(2, rows + 2):
        sheet.cell(number, excel.INDEX["remarks"], "ベンチマーク")
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "plan.xlsx"
    return out


@benchmark
def inline_import_and_issuance() -> dict[str, float]:
    from django.conf import settings

    from accounts import bulk, tasks
    from accounts.demo import load_demo_accounts
    from accounts.models import IssueJob, User
    from actionplan import publishing, seed
    from actionplan.models import ImportJob, OrganizationSystem, Programme, TargetSystem
    from orgs.loader import load_all
    from orgs.models import Organization

    load_all()
    users = {user.email: user for user in load_demo_accounts()}
    seed.load()
    sapporo = Organization.objects.get(code="011002")
    systems = TargetSystem.objects.bulk_create(
        TargetSystem(name=f"業務システム{n:02d}", organization=sapporo) for n in range(20)
    )  # G's three tasks per system: well over the inline limit of rows
    OrganizationSystem.objects.bulk_create(
        OrganizationSystem(organization=sapporo, system=system) for system in systems
    )
    programme = Programme.objects.get(name=seed.NAME)
    publishing.ensure_entries(sapporo, programme)
    # Published without giving all 1,788 their entries: the plan pages show only published
    # programmes to everyone but the administrator.
    Programme.objects.filter(pk=programme.pk).update(published_at=timezone.now())
    client = Client()
    client.force_login(users["sapporo@demo.example"])
    exported = client.get("/orgs/011002/plan.xlsx").content
    limit = settings.IMPORT_INLINE_MAX_ROWS
    start = time.perf_counter()
    response = client.post("/orgs/011002/plan/upload/", {"file": _plan_sheet(exported, limit)})
    inline_s = time.perf_counter() - start
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.state == "done", job.errors[:3]

    rows = [
        ["011002", f"札幌 {n}", f"bench{n}@city.sapporo.lg.jp", "課", "", "担当者", "はい"]
        for n in range(ISSUE_ROWS)
    ]
    client.force_login(users["madoguchi@demo.example"])
    queued, eager = [], tasks.issue_accounts.app.conf.task_always_eager
    original = tasks.issue_accounts.apply_async
    tasks.issue_accounts.app.conf.task_always_eager = False
    tasks.issue_accounts.apply_async = lambda args, **kwargs: queued.append(args[0])
    try:
        start = time.perf_counter()
        response = client.post("/manage/accounts/bulk/", {"sheet": _sheet_of(rows)})
        request_s = time.perf_counter() - start
    finally:
        tasks.issue_accounts.apply_async = original
        tasks.issue_accounts.app.conf.task_always_eager = eager
    assert response.status_code == 302 and len(queued) == 1
    start = time.perf_counter()
    bulk.run_job(queued[0])
    worker_s = time.perf_counter() - start
    job = IssueJob.objects.get()
    assert job.state == "done", job.errors[:3]
    return {
        "jobs.inline_import_rows": limit,
        "jobs.inline_import_request_s": round(inline_s, 3),
        "jobs.issue_2000_request_s": round(request_s, 3),
        "jobs.issue_2000_worker_s": round(worker_s, 2),
        "jobs.issued": User.objects.filter(email__startswith="bench").count(),
    }


FAQ_ROWS = 2_000


def _faq_sheet(tag: str) -> io.BytesIO:
    from openpyxl import Workbook

    from faq import exports

    book = Workbook()
    book.active.append(list(exports.HEADERS))
    for n in range(FAQ_ROWS):
        book.active.append(
            ["", f"質問 {tag} {n} マイナンバーの利用", f"<p>回答 {n}</p>", "A", "共通"]
        )
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "faq.xlsx"
    return out


@benchmark
def faq_import_job() -> dict[str, float]:
    """A 2,000-row FAQ sheet over 2,000 FAQs already stored: the request queues it, the
    worker imports it (all or nothing)."""
    from accounts.demo import load_demo_accounts
    from faq import import_jobs, imports, tasks
    from faq.models import FAQImportJob
    from orgs.loader import load_all

    load_all()
    users = {user.email: user for user in load_demo_accounts()}
    assert not imports.import_faqs(_faq_sheet("stored")).errors
    client = Client()
    client.force_login(users["editor@demo.example"])
    sheet = _faq_sheet("new")
    queued, eager = [], tasks.import_faqs.app.conf.task_always_eager
    original = tasks.import_faqs.apply_async
    tasks.import_faqs.app.conf.task_always_eager = False
    tasks.import_faqs.apply_async = lambda args, **kwargs: queued.append(args[0])
    try:
        start = time.perf_counter()
        response = client.post("/faq/import/", {"file": sheet})
        request_s = time.perf_counter() - start
    finally:
        tasks.import_faqs.apply_async = original
        tasks.import_faqs.app.conf.task_always_eager = eager
    assert response.status_code == 302 and len(queued) == 1
    start = time.perf_counter()
    import_jobs.run_job(queued[0])
    worker_s = time.perf_counter() - start
    job = FAQImportJob.objects.get()
    assert job.state == "done" and job.created == FAQ_ROWS, job.errors[:3]
    return {
        "jobs.faq_import_2000_request_s": round(request_s, 3),
        "jobs.faq_import_2000_worker_s": round(worker_s, 2),
    }

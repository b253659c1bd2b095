"""Catalogue workbooks of more than a few rows are imported by a worker: progress, all or
nothing, a lease, a clear message when the broker is down, and a retry; a job is its
requester's own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import AuditEvent
from documents import import_jobs, tasks
from documents.models import CatalogueImportJob, Linkage, Procedure
from pmo import jobs
from tests.documents.test_catalogue import load_seed, upload, workbook
from tests.factories import CatalogueImportJobFactory


def procedures(count: int, *, bad: int | None = None) -> list[tuple]:
    return [
        (str(100 + n), "国民年金", "" if n == bad else f"手続 {n}", "市町村長", "", "市、町、村")
        for n in range(count)
    ]


LINKAGES = [("26", "生活保護", "都道府県知事等", "保護の決定", "市町村長", "住民票関係情報", "")]


@pytest.fixture
def editor(world, client, settings):
    settings.IMPORT_INLINE_MAX_ROWS = 2
    load_seed(world)
    client.force_login(world["users"]["editor"])
    return world["users"]["editor"]


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(tasks.import_catalogue.app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.import_catalogue, "apply_async", refuse)


@pytest.fixture
def queued(monkeypatch):
    """The broker takes the message; the test runs the worker itself."""
    sent = []
    monkeypatch.setitem(tasks.import_catalogue.app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.import_catalogue, "apply_async", lambda args, **kw: sent.append(args))
    return sent


def post(client, content: bytes, **extra):
    return client.post("/procedures/import/", {"workbook": upload(content)}, **extra)


def test_a_large_workbook_is_queued_then_imported_by_the_worker(client, editor, queued):
    before = Procedure.objects.count()
    response = post(client, workbook(procedures(5), LINKAGES), REMOTE_ADDR="192.0.2.7")
    job = CatalogueImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/procedures/import/jobs/{job.pk}/"
    assert queued == [(job.pk,)] and Procedure.objects.count() == before
    assert (job.state, job.total, job.requester) == ("queued", 6, editor)
    page = client.get(response.url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "6 行を確認して取り込んでいます… 0%" in page

    tasks.import_catalogue(job.pk)  # the worker
    job.refresh_from_db()
    assert (job.state, job.percent, job.lease_expires_at) == ("done", 100, None)
    assert (job.procedures, job.linkages, bytes(job.upload)) == (5, 1, b"")
    assert Procedure.objects.count() == before + 5
    event = AuditEvent.objects.get(detail="事務・手続一覧の取込")
    assert (event.actor, event.ip_address) == (editor, "192.0.2.7")
    page = client.get(response.url).content.decode()
    assert "別表第1を5行、別表第2を1行取り込みました。" in page and "every 1s" not in page

    tasks.import_catalogue(job.pk)  # a second delivery changes nothing
    assert AuditEvent.objects.filter(detail="事務・手続一覧の取込").count() == 1


def test_a_small_workbook_is_still_imported_during_the_request(client, editor):
    response = post(client, workbook(procedures(1), LINKAGES))
    assert response.status_code == 302 and response.url == "/procedures/"
    assert Procedure.objects.filter(number="100").exists()
    assert not CatalogueImportJob.objects.exists()


def test_the_worker_reports_its_progress(client, editor, monkeypatch):
    monkeypatch.setattr("documents.sheets.PROGRESS_EVERY", 10)
    seen = []
    renew = jobs.renew

    def watch(model, pk, **fields):
        seen.append(fields["percent"])
        return renew(model, pk, **fields)

    monkeypatch.setattr(jobs, "renew", watch)
    post(client, workbook(procedures(40)))
    assert CatalogueImportJob.objects.get().state == "done"
    assert seen == sorted(seen) and seen[0] == 1 and 20 < seen[3] < 50 < seen[-1] < 100


def test_a_running_job_shows_its_progress(client, editor):
    job = CatalogueImportJobFactory(requester=editor, total=900, state="running", percent=40)
    body = client.get(f"/procedures/import/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    body = body.content.decode()
    assert 'hx-trigger="every 1s"' in body and "900 行を確認して取り込んでいます… 40%" in body
    assert "<html" not in body


def test_one_bad_row_in_a_job_imports_nothing_and_is_shown_by_row(client, editor):
    before = Procedure.objects.count()
    response = post(client, workbook(procedures(5, bad=3), LINKAGES))
    job = CatalogueImportJob.objects.get()
    assert job.state == "failed" and not job.retryable
    assert Procedure.objects.count() == before and Linkage.objects.count() == 3
    page = client.get(response.url).content.decode()
    assert "1件の誤りがあるため、取り込みませんでした。" in page
    assert "<td>別表第1</td><td>5</td><td>事務・手続</td><td>入力してください。</td>" in page


def test_a_worker_that_loses_its_lease_imports_nothing(editor, monkeypatch):
    before = Procedure.objects.count()
    job = CatalogueImportJobFactory(requester=editor, upload=workbook(procedures(5)), total=5)
    monkeypatch.setattr(jobs, "finish", lambda *args, **kwargs: False)  # expired meanwhile
    import_jobs.run_job(job.pk)
    assert Procedure.objects.count() == before
    assert not AuditEvent.objects.filter(detail="事務・手続一覧の取込").exists()
    assert CatalogueImportJob.objects.get(pk=job.pk).state != "done"


def test_a_dead_worker_is_expired_and_its_job_retried(client, editor):
    job = CatalogueImportJobFactory(
        requester=editor,
        upload=workbook(procedures(3)),
        total=3,
        state="running",
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    assert jobs.expire_stale() == 1 and jobs.expire_stale() == 0
    job.refresh_from_db()
    assert (job.state, job.failure, job.retryable) == ("failed", "interrupted", True)
    page = client.get(f"/procedures/import/jobs/{job.pk}/").content.decode()
    assert "処理が中断されました。もう一度お試しください。" in page
    response = client.post(f"/procedures/import/jobs/{job.pk}/retry/")
    again = CatalogueImportJob.objects.exclude(pk=job.pk).get()
    assert response.url == f"/procedures/import/jobs/{again.pk}/"
    assert again.state == "done" and Procedure.objects.filter(number="102").exists()


def test_broker_down_refuses_the_workbook_on_its_form_and_leaves_no_job(
    client, editor, broker_down
):
    before = Procedure.objects.count()
    response = post(client, workbook(procedures(5)))
    assert response.status_code == 503
    assert "処理を受け付けられませんでした" in response.content.decode()
    assert not CatalogueImportJob.objects.exists() and Procedure.objects.count() == before


def test_another_persons_job_is_404(world, editor):
    job = CatalogueImportJobFactory(requester=editor, state="failed", failure="interrupted")
    for other in ("sysadmin", "staff"):
        client = Client()
        client.force_login(world["users"][other])
        assert client.get(f"/procedures/import/jobs/{job.pk}/").status_code == 404
        assert client.post(f"/procedures/import/jobs/{job.pk}/retry/").status_code == 404
    assert CatalogueImportJob.objects.count() == 1

"""FAQ sheets of more than a few rows are imported by a worker: progress, all or nothing, a
lease, a clear message when the broker is down, and a retry; a job is its requester's own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import AuditEvent
from faq import import_jobs, imports, tasks
from faq.models import FAQ, FAQImportJob
from pmo import jobs
from tests.factories import FAQImportJobFactory
from tests.faq.test_excel import _workbook

pytestmark = pytest.mark.django_db


def rows(count: int, *, bad: int | None = None) -> list[list[str]]:
    return [["", "" if n == bad else f"質問 {n}", f"<p>回答 {n}</p>"] for n in range(count)]


@pytest.fixture
def client(client_for, editor, settings):
    settings.IMPORT_INLINE_MAX_ROWS = 2
    return client_for(editor)


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(tasks.import_faqs.app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.import_faqs, "apply_async", refuse)


@pytest.fixture
def queued(monkeypatch):
    """The broker takes the message; the test runs the worker itself."""
    sent = []
    monkeypatch.setitem(tasks.import_faqs.app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.import_faqs, "apply_async", lambda args, **kw: sent.append(args))
    return sent


def test_a_large_sheet_is_queued_then_imported_by_the_worker(client, editor, queued):
    response = client.post("/faq/import/", {"file": _workbook(rows(5))}, REMOTE_ADDR="192.0.2.7")
    job = FAQImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/faq/import/jobs/{job.pk}/"
    assert queued == [(job.pk,)] and not FAQ.objects.exists()  # nothing written in the request
    assert (job.state, job.total, job.requester) == ("queued", 5, editor)
    page = client.get(response.url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "5 行を確認して取り込んでいます… 0%" in page

    tasks.import_faqs(job.pk)  # the worker
    job.refresh_from_db()
    assert (job.state, job.percent, job.created, job.lease_expires_at) == ("done", 100, 5, None)
    assert bytes(job.upload) == b"" and FAQ.objects.count() == 5
    event = AuditEvent.objects.get(target="FAQ import")
    assert (event.actor, event.ip_address) == (editor, "192.0.2.7")
    page = client.get(response.url).content.decode()
    assert "取り込みました。新規 5 件、更新 0 件。" in page and "every 1s" not in page

    tasks.import_faqs(job.pk)  # a second delivery changes nothing
    assert FAQ.objects.count() == 5


def test_a_small_sheet_is_still_imported_during_the_request(client):
    response = client.post("/faq/import/", {"file": _workbook(rows(2))}, follow=True)
    assert "新規 2 件" in response.content.decode()
    assert FAQ.objects.count() == 2 and not FAQImportJob.objects.exists()


def test_the_worker_reports_its_progress(client, editor, monkeypatch):
    monkeypatch.setattr("faq.imports.PROGRESS_EVERY", 10)
    seen = []
    renew = jobs.renew

    def watch(model, pk, **fields):
        seen.append(fields["percent"])
        return renew(model, pk, **fields)

    monkeypatch.setattr(jobs, "renew", watch)
    client.post("/faq/import/", {"file": _workbook(rows(40))})
    assert FAQImportJob.objects.get().state == "done" and FAQ.objects.count() == 40
    assert seen == sorted(seen) and seen[0] == 1 and 20 < seen[4] < 50 < seen[-1] < 100


def test_a_running_job_shows_its_progress(client, editor):
    job = FAQImportJobFactory(requester=editor, total=900, state="running", percent=40)
    body = client.get(f"/faq/import/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in body and "900 行を確認して取り込んでいます… 40%" in body
    assert "<html" not in body


def test_one_bad_row_in_a_job_imports_nothing_and_is_shown_by_row(client):
    response = client.post("/faq/import/", {"file": _workbook(rows(5, bad=3))})
    job = FAQImportJob.objects.get()
    assert job.state == "failed" and not job.retryable and not FAQ.objects.exists()
    page = client.get(response.url).content.decode()
    assert "1件の誤りがあったため、取り込みませんでした。" in page
    assert "5行目「質問」: 入力してください。" in page


def test_a_worker_that_loses_its_lease_imports_nothing(editor, monkeypatch):
    job = FAQImportJobFactory(requester=editor, upload=_workbook(rows(5)).read(), total=5)
    monkeypatch.setattr(jobs, "finish", lambda *args, **kwargs: False)  # expired meanwhile
    import_jobs.run_job(job.pk)
    assert not FAQ.objects.exists() and not AuditEvent.objects.filter(target="FAQ import")
    assert FAQImportJob.objects.get(pk=job.pk).state != "done"


def test_a_dead_worker_is_expired_and_its_job_retried(client, editor):
    job = FAQImportJobFactory(
        requester=editor,
        upload=_workbook(rows(3)).read(),
        total=3,
        state="running",
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    assert jobs.expire_stale() == 1 and jobs.expire_stale() == 0
    job.refresh_from_db()
    assert (job.state, job.failure, job.retryable) == ("failed", "interrupted", True)
    page = client.get(f"/faq/import/jobs/{job.pk}/").content.decode()
    assert "処理が中断されました。もう一度お試しください。" in page
    response = client.post(f"/faq/import/jobs/{job.pk}/retry/")
    again = FAQImportJob.objects.exclude(pk=job.pk).get()
    assert response.url == f"/faq/import/jobs/{again.pk}/"
    assert again.state == "done" and FAQ.objects.count() == 3


def test_broker_down_refuses_the_sheet_on_its_form_and_leaves_no_job(client, broker_down):
    response = client.post("/faq/import/", {"file": _workbook(rows(5))})
    assert response.status_code == 503
    assert "処理を受け付けられませんでした" in response.content.decode()
    assert not FAQImportJob.objects.exists() and not FAQ.objects.exists()


def test_another_persons_job_is_404(editor, editor2, charlie):
    job = FAQImportJobFactory(requester=editor, state="failed", failure="interrupted")
    for other in (editor2, charlie):
        client = Client()
        client.force_login(other)
        assert client.get(f"/faq/import/jobs/{job.pk}/").status_code == 404
        assert client.post(f"/faq/import/jobs/{job.pk}/retry/").status_code == 404
    assert FAQImportJob.objects.count() == 1


def test_new_rows_are_numbered_after_every_number_in_use_or_in_the_sheet(make_faq):
    make_faq("既存 1"), make_faq("既存 2")
    sheet = _workbook([["", "新 a", "答え"], ["FAQ-0010", "新 b", "答え"], ["", "新 c", "答え"]])
    result = imports.import_faqs(sheet)
    assert (result.errors, result.created) == ([], 3)
    numbers = dict(FAQ.objects.values_list("question", "number"))
    assert (numbers["新 a"], numbers["新 b"], numbers["新 c"]) == (
        "FAQ-0011",
        "FAQ-0010",
        "FAQ-0012",
    )


def test_a_number_taken_meanwhile_imports_nothing_with_a_message(make_faq, monkeypatch):
    make_faq("既存")  # FAQ-0001, as if another editor had just saved it
    monkeypatch.setattr(imports, "_fresh_numbers", lambda parsed: iter(["FAQ-0002", "FAQ-0001"]))
    result = imports.import_faqs(_workbook([["", "新 a", "答え"], ["", "新 b", "答え"]]))
    assert [str(error) for error in result.errors] == [f"ファイル「番号」: {imports.NUMBER_RACE}"]
    assert list(FAQ.objects.values_list("question", flat=True)) == ["既存"]

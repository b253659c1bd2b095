"""Bulk issuance of more than a few rows runs as a job: progress, all or nothing, a lease, a
clear message when the broker is down, and a retry; a job is its issuer's own."""

from __future__ import annotations

import pytest
from django.core import mail
from kombu.exceptions import OperationalError

from accounts import bulk, tasks
from accounts.models import AuditEvent, IssueJob, User
from pmo import jobs
from tests.accounts.test_bulk import sheet
from tests.factories import IssueJobFactory


def rows(count: int, *, bad: int | None = None):
    return [
        [
            "011002",
            f"札幌 {n}",
            "not-an-address" if n == bad else f"user{n}@city.sapporo.lg.jp",
            "戸籍住民課",
            "",
            "担当者",
            "",
        ]
        for n in range(count)
    ]


@pytest.fixture
def issuer(client, world, settings):
    settings.IMPORT_INLINE_MAX_ROWS = 2
    client.force_login(world["pref_admin"])
    return world["pref_admin"]


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(tasks.issue_accounts.app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.issue_accounts, "apply_async", refuse)


def test_a_large_sheet_is_issued_by_a_worker_with_its_audit_trail(client, issuer):
    response = client.post(
        "/manage/accounts/bulk/", {"sheet": sheet(rows(5))}, REMOTE_ADDR="192.0.2.7"
    )
    job = IssueJob.objects.get()
    assert response.status_code == 302 and response.url == f"/manage/accounts/bulk/jobs/{job.pk}/"
    assert (job.state, job.total, job.percent, job.lease_expires_at) == ("done", 5, 100, None)
    assert bytes(job.upload) == b""  # the personal data of the sheet is not kept
    assert User.objects.filter(issued_by=issuer).count() == 5
    assert len(mail.outbox) == 5
    events = AuditEvent.objects.filter(kind=AuditEvent.Kind.ISSUED)
    assert {(e.actor_id, e.ip_address) for e in events} == {(issuer.pk, "192.0.2.7")}
    page = client.get(response.url).content.decode()
    assert "5 件のアカウントを発行しました。" in page
    assert "札幌 4（user4@city.sapporo.lg.jp、北海道 札幌市）" in page


def test_a_running_job_shows_its_progress(client, issuer):
    job = IssueJobFactory(issuer=issuer, total=900, state="running", percent=40)
    body = client.get(f"/manage/accounts/bulk/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    body = body.content.decode()
    assert 'hx-trigger="every 1s"' in body and "900 行を確認して発行しています… 40%" in body
    assert "<html" not in body


def test_one_bad_row_in_a_job_issues_nothing(client, issuer):
    response = client.post("/manage/accounts/bulk/", {"sheet": sheet(rows(5, bad=3))})
    job = IssueJob.objects.get()
    assert job.state == "failed" and not job.retryable
    assert not User.objects.filter(issued_by=issuer).exists() and mail.outbox == []
    page = client.get(response.url).content.decode()
    assert "1 件の誤りがあるため、発行していません。" in page
    assert "<td>5</td><td>メールアドレス</td>" in page


def test_broker_down_refuses_the_sheet_on_its_form_and_leaves_no_job(client, issuer, broker_down):
    response = client.post("/manage/accounts/bulk/", {"sheet": sheet(rows(5))})
    assert response.status_code == 503
    assert "処理を受け付けられませんでした" in response.content.decode()
    assert not IssueJob.objects.exists() and not User.objects.filter(issued_by=issuer).exists()


def test_a_worker_that_loses_its_lease_issues_nothing(issuer, monkeypatch):
    job = IssueJobFactory(issuer=issuer, upload=sheet(rows(250)).read())
    monkeypatch.setattr(jobs, "finish", lambda *args, **kwargs: False)  # expired meanwhile
    bulk.run_job(job.pk)
    assert not User.objects.filter(issued_by=issuer).exists()
    assert IssueJob.objects.get(pk=job.pk).state != "done"


def test_an_interrupted_job_is_retried_with_the_same_sheet(client, issuer):
    job = IssueJobFactory(
        issuer=issuer,
        upload=sheet(rows(3)).read(),
        total=3,
        state="failed",
        failure="interrupted",
    )
    page = client.get(f"/manage/accounts/bulk/jobs/{job.pk}/").content.decode()
    assert "処理が中断されました。もう一度お試しください。" in page
    response = client.post(f"/manage/accounts/bulk/jobs/{job.pk}/retry/")
    again = IssueJob.objects.exclude(pk=job.pk).get()
    assert response.url == f"/manage/accounts/bulk/jobs/{again.pk}/"
    assert again.state == "done" and User.objects.filter(issued_by=issuer).count() == 3


def test_another_issuers_job_is_404(client, world, issuer):
    job = IssueJobFactory(issuer=issuer, state="failed", failure="interrupted")
    for other in (world["manager"], world["staff"]):
        client.force_login(other)
        assert client.get(f"/manage/accounts/bulk/jobs/{job.pk}/").status_code == 404
        assert client.post(f"/manage/accounts/bulk/jobs/{job.pk}/retry/").status_code == 404
    assert IssueJob.objects.count() == 1

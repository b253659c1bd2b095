"""Job leases (pmo/jobs.py): a job is claimed once, renewed while it runs, and ends failed and
retryable when its worker dies; the expiry changes nothing on a second run."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from kombu.exceptions import OperationalError

from actionplan import excel_import, import_jobs, tasks
from actionplan.models import ImportJob, PlanEntry
from pmo import jobs
from review.models import LateExportJob, ReportJob
from tests.factories import ImportJobFactory


@pytest.fixture
def job(db, programme, sapporo, alice):
    return ImportJobFactory(organization=sapporo, programme=programme, user=alice)


def later(seconds: float):
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=seconds), tick=False)


def test_every_job_model_shares_the_lease():
    from accounts.models import IssueJob
    from documents.models import CatalogueImportJob
    from faq.models import FAQImportJob
    from surveys.models import ResultsJob

    assert set(jobs.job_models()) == {
        ImportJob,
        ReportJob,
        LateExportJob,
        IssueJob,
        FAQImportJob,
        CatalogueImportJob,
        ResultsJob,
    }


def test_a_queued_job_has_a_lease_and_is_claimed_once(job, settings):
    assert job.lease_expires_at > timezone.now() + dt.timedelta(
        seconds=settings.JOB_QUEUE_SECONDS - 60
    )
    assert jobs.claim(ImportJob, job.pk)
    assert not jobs.claim(ImportJob, job.pk)
    job.refresh_from_db()
    assert job.state == "running"
    assert job.lease_expires_at <= timezone.now() + dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)
    assert not jobs.claim(ImportJob, 10**9)  # a deleted job is skipped


def test_a_dead_workers_job_ends_failed_and_a_second_expiry_changes_nothing(job, settings):
    jobs.claim(ImportJob, job.pk)
    with later(settings.JOB_LEASE_SECONDS - 1):
        assert jobs.renew(ImportJob, job.pk)  # alive: the lease moves on
    with later(settings.JOB_LEASE_SECONDS + 10):
        assert jobs.expire_stale() == 0
    with later(2 * settings.JOB_LEASE_SECONDS + 10):
        assert jobs.expire_stale() == 1
        assert jobs.expire_stale() == 0
        job.refresh_from_db()
        assert (job.state, job.failure, job.lease_expires_at) == ("failed", "interrupted", None)
        assert (
            job.retryable
            and job.failure_message == "処理が中断されました。もう一度お試しください。"
        )
        # The worker, if it was only slow, finds its lease gone and writes nothing.
        assert not jobs.renew(ImportJob, job.pk)
        assert not jobs.finish(ImportJob, job.pk, jobs.DONE)
    job.refresh_from_db()
    assert job.state == "failed"


def test_a_job_no_worker_took_ends_failed(job, settings):
    done = ImportJobFactory(
        organization=job.organization, programme=job.programme, user=None, state="done"
    )
    with later(settings.JOB_QUEUE_SECONDS + 1):
        assert jobs.expire_stale() == 1
    assert ImportJob.objects.get(pk=job.pk).state == "failed"
    assert ImportJob.objects.get(pk=done.pk).state == "done"
    tasks.import_plan.apply(args=[job.pk])  # the lost message arriving late does nothing
    assert ImportJob.objects.get(pk=job.pk).state == "failed"


def test_the_beat_task_expires(job, settings):
    from pmo.tasks import expire_jobs

    with later(settings.JOB_QUEUE_SECONDS + 1):
        assert expire_jobs.apply().get() == 1


def test_an_import_whose_lease_is_lost_writes_nothing(
    job, plan, sapporo, programme, alice, monkeypatch
):
    """Expired while it ran (a stalled worker): the import rolls back, the job stays failed."""
    from tests.actionplan.test_excel import edit, export, row_of

    target = plan.first()
    data = export(sapporo, programme)
    rows = {(row_of(data, e.pk), "remarks"): "書いた" for e in plan}
    ImportJob.objects.filter(pk=job.pk).update(upload=edit(data, rows))
    # The beat task, from another connection, expired it just before the worker ended it.
    monkeypatch.setattr(jobs, "finish", lambda *args, **kwargs: False)
    import_jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.state != "done" and job.changed == 0
    assert not PlanEntry.objects.filter(organization=sapporo, remarks="書いた").exists()
    assert PlanEntry.objects.get(pk=target.pk).version == 1


def test_an_import_that_crashes_ends_failed_and_retryable(job, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(excel_import, "import_plan", crash)
    with pytest.raises(RuntimeError):
        import_jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and job.failure == "crashed" and job.retryable


def test_an_unreachable_broker_leaves_no_job(job, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(tasks.import_plan.app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.import_plan, "apply_async", refuse)
    with pytest.raises(jobs.QueueUnavailable):
        jobs.enqueue(tasks.import_plan, job)
    assert not ImportJob.objects.filter(pk=job.pk).exists()

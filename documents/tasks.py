"""Thin Celery wrappers around :mod:`documents.services`."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="documents.publish_due_documents", ignore_result=True)
def publish_due_documents() -> int:
    """Publish whatever scheduled document is due (beat, every minute). Safe to run twice."""
    from documents import services

    return len(services.publish_due())


@shared_task(name="documents.import_catalogue", acks_late=True, ignore_result=True)
def import_catalogue(job_id: int) -> None:
    """Check and import one queued catalogue workbook (:mod:`documents.import_jobs`); safe to
    run twice."""
    from documents import import_jobs

    import_jobs.run_job(job_id)

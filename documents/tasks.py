"""Thin Celery wrappers around :mod:`documents.services`, and the one place that queues them."""

from __future__ import annotations

from celery import shared_task

from documents import import_jobs, services
from documents.models import CatalogueImportJob
from pmo import upload_jobs


@shared_task(name="documents.publish_due_documents", ignore_result=True)
def publish_due_documents() -> int:
    """Publish whatever scheduled document is due (beat, every minute). Safe to run twice."""
    return len(services.publish_due())


@shared_task(name="documents.import_catalogue", acks_late=True, ignore_result=True)
def import_catalogue(job_id: int) -> None:
    """Check and import one queued catalogue workbook (:mod:`documents.import_jobs`); safe to
    run twice."""
    import_jobs.run_job(job_id)


def start_import(requester, filename: str, data: bytes, rows: int, ip: str | None):
    """Queue the workbook as a :class:`CatalogueImportJob`. Raises
    :class:`pmo.jobs.QueueUnavailable` (no job left) if the broker is unreachable. Call
    outside a transaction (the row must be committed first)."""
    return upload_jobs.start(
        CatalogueImportJob,
        import_catalogue,
        filename=filename,
        data=data,
        rows=rows,
        ip=ip,
        requester=requester,
    )

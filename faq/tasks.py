"""Thin Celery wrappers around :mod:`faq.inquiries` (ids in, enqueued on commit), and the one
place that queues an import."""

from __future__ import annotations

from celery import shared_task

from faq import import_jobs, inquiries
from faq.models import FAQImportJob
from pmo import upload_jobs


@shared_task(name="faq.send_inquiry_mails", ignore_result=True)
def send_inquiry_mails(inquiry_id: int, mails: list[list[str]]) -> int:
    """Mail tasks queued before the outbox existed: their mails go to the outbox now (which
    sends and retries them); an inquiry deleted meanwhile sends nothing."""
    return inquiries.send_mails(inquiry_id, [inquiries.Mail(*mail) for mail in mails])


@shared_task(name="faq.import_faqs", acks_late=True, ignore_result=True)
def import_faqs(job_id: int) -> None:
    """Check and import one queued FAQ sheet (:mod:`faq.import_jobs`); safe to run twice."""
    import_jobs.run_job(job_id)


def start_import(requester, filename: str, data: bytes, rows: int, ip: str | None):
    """Queue the sheet as an :class:`FAQImportJob`. Raises :class:`pmo.jobs.QueueUnavailable`
    (no job left) if the broker is unreachable. Call outside a transaction (the row must be
    committed for the worker)."""
    return upload_jobs.start(
        FAQImportJob,
        import_faqs,
        filename=filename,
        data=data,
        rows=rows,
        ip=ip,
        requester=requester,
    )

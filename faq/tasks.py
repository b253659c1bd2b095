"""Thin Celery wrappers around :mod:`faq.services` (ids in, enqueued on commit)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="faq.send_inquiry_mails", ignore_result=True)
def send_inquiry_mails(inquiry_id: int, mails: list[list[str]]) -> int:
    """Mail tasks queued before the outbox existed: their mails go to the outbox now (which
    sends and retries them); an inquiry deleted meanwhile sends nothing."""
    from faq import services

    return services.send_mails(inquiry_id, [services.Mail(*mail) for mail in mails])


@shared_task(name="faq.import_faqs", acks_late=True, ignore_result=True)
def import_faqs(job_id: int) -> None:
    """Check and import one queued FAQ sheet (:mod:`faq.import_jobs`); safe to run twice."""
    from faq import import_jobs

    import_jobs.run_job(job_id)

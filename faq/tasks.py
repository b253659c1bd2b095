"""Thin Celery wrappers around :mod:`faq.services` (ids in, enqueued on commit)."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="faq.send_inquiry_mails",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_inquiry_mails(inquiry_id: int, mails: list[list[str]]) -> int:
    """Send one workflow step's mails; an inquiry deleted meanwhile sends nothing."""
    from faq import services

    return services.send_mails(inquiry_id, [services.Mail(*mail) for mail in mails])

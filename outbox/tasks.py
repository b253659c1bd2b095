"""Thin Celery wrappers around :mod:`outbox.sending` (ids in; a sent mail is never resent)."""

from __future__ import annotations

from celery import shared_task

from outbox import sending


@shared_task(name="outbox.send_mail", acks_late=True, ignore_result=True)
def send_mail(mail_id: int) -> bool:
    """The try right after the mail's transaction commits."""
    return sending.send_one(mail_id)


@shared_task(name="outbox.purge_sent", ignore_result=True)
def purge_sent() -> int:
    """Beat entry ``purge_outbox``: sent mails past ``OUTBOX_KEEP_DAYS``."""
    return sending.purge_sent()


@shared_task(name="outbox.send_due", acks_late=True, ignore_result=True)
def send_due() -> int:
    """Beat entry ``send_outbox``: whatever is queued and due, retries included."""
    return sending.send_due()

"""Thin Celery wrappers: they take ids and call the code that does the work."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def issue_accounts(job_id: int) -> None:
    from accounts import bulk

    bulk.run_job(job_id)

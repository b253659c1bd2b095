"""Thin Celery wrappers: they take ids and call the code that does the work; and the one place
that queues a bulk issuance."""

from __future__ import annotations

from celery import shared_task

from accounts import bulk
from accounts.models import IssueJob
from pmo import upload_jobs


@shared_task(acks_late=True, ignore_result=True)
def issue_accounts(job_id: int) -> None:
    bulk.run_job(job_id)


def start_issue(issuer, filename: str, data: bytes, rows: int, ip: str | None) -> IssueJob:
    """Queue the sheet. Raises :class:`pmo.jobs.QueueUnavailable` (no job left) if the broker
    is unreachable. Call outside a transaction (the row must be committed for the worker)."""
    return upload_jobs.start(
        IssueJob, issue_accounts, filename=filename, data=data, rows=rows, ip=ip, issuer=issuer
    )

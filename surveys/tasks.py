"""Thin Celery wrappers: they take ids and call the code that does the work."""

from __future__ import annotations

from celery import shared_task

from surveys import exports


@shared_task(acks_late=True, ignore_result=True)
def build_results(job_id: int) -> None:
    exports.run_job(job_id)

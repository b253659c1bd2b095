"""Thin Celery wrappers: they take ids and call the code that does the work."""

from __future__ import annotations

from celery import shared_task

from actionplan import import_jobs, publishing
from actionplan.models import Programme


@shared_task(acks_late=True, ignore_result=True)
def import_plan(job_id: int) -> None:
    import_jobs.run_job(job_id)


@shared_task(acks_late=True, ignore_result=True)
def publish_programme(programme_id: int) -> int:
    """Publish a programme (admin action): every applicable organisation gets its entries.

    Idempotent (a redelivery after a dead worker creates only what is still missing), and a
    programme deleted meanwhile is skipped."""
    programme = Programme.objects.filter(pk=programme_id).first()
    return publishing.publish(programme) if programme else 0

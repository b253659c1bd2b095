"""Thin Celery wrappers for the portal's own library code (:mod:`pmo.jobs`)."""

from __future__ import annotations

from celery import shared_task

from pmo import jobs


@shared_task(acks_late=True, ignore_result=True)
def expire_jobs() -> int:
    """Fail jobs whose worker died (beat entry ``expire_jobs``); a second run changes nothing."""
    return jobs.expire_stale()

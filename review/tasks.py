"""Thin Celery wrappers: they take ids or dates and call the code that does the work."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from review import exports, judging, notifications, reports


@shared_task(acks_late=True, ignore_result=True)
def scan_delays(on: str | None = None) -> str:
    """The nightly job (beat entry ``scan_delays``)."""
    return judging.scan(dt.date.fromisoformat(on) if on else None).line()


@shared_task(acks_late=True, ignore_result=True)
def send_digests() -> int:
    return notifications.send_pending()


@shared_task(acks_late=True, ignore_result=True)
def build_report(job_id: int) -> None:
    reports.run_job(job_id)


@shared_task(acks_late=True, ignore_result=True)
def build_late_export(job_id: int) -> None:
    exports.run_job(job_id)


@shared_task(acks_late=True, ignore_result=True)
def purge_late_exports() -> int:
    """Old late-list exports and their files go (beat entry ``purge_late_exports``)."""
    return exports.purge()

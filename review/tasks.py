"""Thin Celery wrappers: they take ids or dates and call the code that does the work."""

from __future__ import annotations

import datetime as dt

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def scan_delays(on: str | None = None) -> str:
    """The nightly job (beat entry ``scan_delays``)."""
    from review import judging

    return judging.scan(dt.date.fromisoformat(on) if on else None).line()


@shared_task(acks_late=True, ignore_result=True)
def send_digests() -> int:
    from review import notifications

    return notifications.send_pending()


@shared_task(acks_late=True, ignore_result=True)
def judge_entries(entry_ids: list[int]) -> None:
    from review import judging

    judging.entries_changed(entry_ids)


@shared_task(acks_late=True, ignore_result=True)
def build_report(job_id: int) -> None:
    from review import reports

    reports.run_job(job_id)


@shared_task(acks_late=True, ignore_result=True)
def build_late_export(job_id: int) -> None:
    from review import exports

    exports.run_job(job_id)


@shared_task(acks_late=True, ignore_result=True)
def purge_late_exports() -> int:
    """Old late-list exports and their files go (beat entry ``purge_late_exports``)."""
    from review import exports

    return exports.purge()

"""Plan imports as jobs (:class:`actionplan.models.ImportJob`): run once whoever takes them
(a conditional UPDATE claims the job), their lease renewed with each progress step, their
progress in the cache for the job page. The import itself is :mod:`actionplan.excel_import`."""

from __future__ import annotations

import contextlib

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from actionplan import excel_import
from actionplan.excel import UploadRefused
from actionplan.excel_import import ImportResult
from actionplan.models import ImportJob
from pmo import jobs


class LeaseLost(Exception):
    """The job's lease expired while it ran (pmo.jobs.expire_stale): stop, write nothing."""


def progress_key(job_id: int) -> str:
    return f"actionplan:import:{job_id}"


def job_progress(job) -> tuple[int, int]:
    """(done, total) of a running job, from the cache the worker writes (visible mid-write;
    the job row's own figures if the cache is unreachable)."""
    try:
        cached = cache.get(progress_key(job.pk))
    except Exception:  # a cache outage must not break the job page
        cached = None
    return cached or (job.done, job.total or 1)


def _cache_progress(job_id: int, done: int, total: int) -> None:
    # Progress is a nicety: a cache outage must not stop the import (the lease is in the row).
    with contextlib.suppress(Exception):
        cache.set(progress_key(job_id), (done, total), 3600)


def run_job(job_id: int) -> None:
    """Run one queued import: claimed with a conditional UPDATE (a job runs once; a deleted
    or expired one is skipped), its lease renewed with each progress step. The import and the
    job's end state commit together, so a worker killed at any point leaves either the whole
    import and ``done``, or nothing and a lease that :func:`pmo.jobs.expire_stale` ends."""
    if not jobs.claim(ImportJob, job_id):
        return  # deleted, or another worker has it, or it expired while queued
    job = ImportJob.objects.select_related("organization", "programme", "user").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        _cache_progress(job_id, done, total)
        if not jobs.renew(ImportJob, job_id):
            raise LeaseLost

    try:
        with transaction.atomic():
            # Renewing first locks the job row until the commit: the expiry (SKIP LOCKED) can
            # then never fail a live worker, however long a step between renewals takes.
            if not jobs.renew(ImportJob, job_id):
                raise LeaseLost
            try:
                result = excel_import.import_plan(
                    job.user, job.organization, job.programme, bytes(job.upload), progress=progress
                )
            except UploadRefused as refused:
                result = ImportResult(errors=[])
                errors = [{"row": "", "column": "", "title": "", "message": str(refused)}]
            else:
                errors = [error.as_dict() for error in result.errors]
            rows = max(result.rows, 1)
            if not jobs.finish(
                ImportJob,
                job_id,
                jobs.FAILED if errors else jobs.DONE,
                errors=errors,
                total=rows,
                done=rows,
                changed=result.changed,
                marked=result.marked,
                finished_at=timezone.now(),
            ):
                raise LeaseLost
    except LeaseLost:
        return  # expired meanwhile: the import rolled back, the person retries
    except Exception:
        jobs.fail(ImportJob, job_id)
        raise
    finally:
        _cache_delete(job_id)


def _cache_delete(job_id: int) -> None:
    with contextlib.suppress(Exception):
        cache.delete(progress_key(job_id))

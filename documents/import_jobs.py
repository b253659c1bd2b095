"""Procedures-catalogue imports as jobs: a workbook of more than a few rows is checked and
imported by a worker, all or nothing, with progress and a lease (:mod:`pmo.jobs`); a small one
during the request.

The worker runs :func:`documents.services.import_catalogue` exactly as the page does, inside
one transaction whose first statement renews the job's lease (locking its row until the
commit), so a worker killed half way writes nothing and its job ends ``failed`` (retryable).
Progress inside that transaction is invisible to other connections until the commit, so it is
also kept in the cache for the job page (a nicety: a cache outage stops nothing).
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.bulk import Origin
from documents import services, sheets
from documents.models import CatalogueImportJob
from pmo import jobs, xlsx
from pmo.sheets import RowError


class LeaseLost(Exception):
    """The job's lease expired while it ran: stop, import nothing."""


def rows_in(data: bytes, filename: str) -> int:
    """Rows of both sheets, or 0 for a file the inline path should refuse with its message."""
    try:
        return xlsx.count_rows(data, filename, every_sheet=True, max_rows=sheets.MAX_ROWS)
    except (xlsx.SheetError, ValueError, OSError):
        return 0


def runs_inline(rows: int) -> bool:
    return rows <= settings.IMPORT_INLINE_MAX_ROWS


def start(requester, filename: str, data: bytes, rows: int, ip: str | None) -> CatalogueImportJob:
    """Queue the workbook. Raises :class:`pmo.jobs.QueueUnavailable` (no job left) if the
    broker is unreachable. Call outside a transaction (the row must be committed first)."""
    from documents import tasks

    job = CatalogueImportJob.objects.create(
        requester=requester, filename=filename[:255], upload=data, total=rows, ip_address=ip
    )
    jobs.enqueue(tasks.import_catalogue, job)
    return job


def run_job(job_id: int) -> None:
    """Check and import one queued workbook (claimed once; a deleted or expired job is
    skipped)."""
    if not jobs.claim(CatalogueImportJob, job_id):
        return
    job = CatalogueImportJob.objects.select_related("requester").get(pk=job_id)

    def progress(percent: int) -> None:
        percent = max(1, min(percent, 99))
        with contextlib.suppress(Exception):
            cache.set(_key(job_id), percent, 3600)
        if not jobs.renew(CatalogueImportJob, job_id, percent=percent):
            raise LeaseLost

    try:
        with transaction.atomic():
            progress(1)  # locks the job row until the commit (see pmo.jobs)
            errors, counts = _import(job, progress)
            if not jobs.finish(
                CatalogueImportJob,
                job_id,
                jobs.FAILED if errors else jobs.DONE,
                errors=errors,
                procedures=counts.get("procedures", 0),
                linkages=counts.get("linkages", 0),
                percent=100,
                finished_at=timezone.now(),
                upload=b"",  # the workbook is not needed once it has run
            ):
                raise LeaseLost
    except LeaseLost:
        return
    except Exception:
        jobs.fail(CatalogueImportJob, job_id)
        raise
    finally:
        with contextlib.suppress(Exception):
            cache.delete(_key(job_id))


def _import(job: CatalogueImportJob, progress) -> tuple[list[dict], dict[str, int]]:
    upload = SimpleUploadedFile(job.filename or "procedures.xlsx", bytes(job.upload))
    origin = Origin(job.requester, {"REMOTE_ADDR": job.ip_address} if job.ip_address else {})
    try:
        counts = services.import_catalogue(
            upload, actor=job.requester, request=origin, progress=progress
        )
    except sheets.ImportRejected as rejected:
        return [_error(error) for error in rejected.errors], {}
    return [], counts


def percent(job: CatalogueImportJob) -> int:
    """How far a running job is: the worker's latest figure, else the committed one."""
    with contextlib.suppress(Exception):
        return max(int(cache.get(_key(job.pk)) or 0), job.percent)
    return job.percent


def _key(job_id: int) -> str:
    return f"catalogue-import-job:{job_id}"


def _error(error: RowError) -> dict:
    return {
        "sheet": error.sheet,
        "row": error.row,
        "column": str(error.column),
        "message": str(error.message),
    }

"""FAQ imports as jobs: a sheet of more than a few rows is checked and imported by a worker,
all or nothing, with progress and a lease (:mod:`pmo.jobs`); a small one during the request.

The worker runs :func:`faq.imports.import_faqs` exactly as the page does, inside one
transaction whose first statement renews the job's lease (locking its row until the commit),
so a worker killed half way writes nothing and its job ends ``failed`` (retryable).
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

from accounts import audit
from accounts.bulk import Origin
from faq import imports
from faq.models import FAQImportJob
from pmo import jobs, xlsx
from pmo.sheets import RowError


class LeaseLost(Exception):
    """The job's lease expired while it ran: stop, import nothing."""


def rows_in(data: bytes, filename: str) -> int:
    """Rows of the sheet, or 0 for a file the inline path should refuse with its message."""
    try:
        return xlsx.count_rows(data, filename, max_rows=imports.MAX_ROWS)
    except (xlsx.SheetError, ValueError, OSError):
        return 0


def runs_inline(rows: int) -> bool:
    return rows <= settings.IMPORT_INLINE_MAX_ROWS


def start(requester, filename: str, data: bytes, rows: int, ip: str | None) -> FAQImportJob:
    """Queue the sheet. Raises :class:`pmo.jobs.QueueUnavailable` (no job left) if the broker
    is unreachable. Call outside a transaction (the row must be committed for the worker)."""
    from faq import tasks

    job = FAQImportJob.objects.create(
        requester=requester, filename=filename[:255], upload=data, total=rows, ip_address=ip
    )
    jobs.enqueue(tasks.import_faqs, job)
    return job


def run_job(job_id: int) -> None:
    """Check and import one queued sheet (claimed once; a deleted or expired job is skipped)."""
    if not jobs.claim(FAQImportJob, job_id):
        return
    job = FAQImportJob.objects.select_related("requester").get(pk=job_id)

    def progress(percent: int) -> None:
        percent = max(1, min(percent, 99))
        with contextlib.suppress(Exception):
            cache.set(_key(job_id), percent, 3600)
        if not jobs.renew(FAQImportJob, job_id, percent=percent):
            raise LeaseLost

    try:
        with transaction.atomic():
            progress(1)  # locks the job row until the commit (see pmo.jobs)
            upload = SimpleUploadedFile(job.filename or "faq.xlsx", bytes(job.upload))
            result = imports.import_faqs(upload, by=job.requester, progress=progress)
            if not result.errors:
                _record(job, result)
            if not jobs.finish(
                FAQImportJob,
                job_id,
                jobs.FAILED if result.errors else jobs.DONE,
                errors=[_error(error) for error in result.errors],
                created=result.created,
                updated=result.updated,
                percent=100,
                finished_at=timezone.now(),
                upload=b"",  # the sheet is not needed once it has run
            ):
                raise LeaseLost
    except LeaseLost:
        return
    except Exception:
        jobs.fail(FAQImportJob, job_id)
        raise
    finally:
        with contextlib.suppress(Exception):
            cache.delete(_key(job_id))


def percent(job: FAQImportJob) -> int:
    """How far a running job is: the worker's latest figure, else the committed one."""
    with contextlib.suppress(Exception):
        return max(int(cache.get(_key(job.pk)) or 0), job.percent)
    return job.percent


def _key(job_id: int) -> str:
    return f"faq-import-job:{job_id}"


def _record(job: FAQImportJob, result: imports.ImportResult) -> None:
    origin = Origin(job.requester, {"REMOTE_ADDR": job.ip_address} if job.ip_address else {})
    audit.record(
        audit.Kind.CONTENT,
        request=origin,
        target="FAQ import",
        detail=f"FAQを取り込みました: 新規 {result.created} 件、更新 {result.updated} 件",
    )


def _error(error: RowError) -> dict:
    return {"row": error.row, "column": error.column, "message": error.message, "text": str(error)}

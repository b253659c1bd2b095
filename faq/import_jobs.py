"""FAQ imports as jobs (:mod:`pmo.upload_jobs`): a sheet of more than a few rows is checked and
imported by a worker, all or nothing, with progress and a lease; a small one during the
request. The worker runs :func:`faq.imports.import_faqs` exactly as the page does;
:func:`faq.tasks.start_import` queues it.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from faq import imports
from faq.models import FAQImportJob
from pmo import ooxml, upload_jobs, xlsx_check


def rows_in(data: bytes, filename: str) -> int:
    """Rows of the sheet, or 0 for a file the inline path should refuse with its message."""
    try:
        return xlsx_check.count_rows(data, filename, max_rows=imports.MAX_ROWS)
    except (ooxml.SheetError, ValueError, OSError):
        return 0


def run_job(job_id: int) -> None:
    """Check and import one queued sheet (claimed once; a deleted or expired job is skipped)."""
    upload_jobs.run(FAQImportJob, job_id, _import, owner="requester", progress_key=_key(job_id))


def _import(job: FAQImportJob, progress) -> tuple[list[dict], dict[str, int]]:
    upload = SimpleUploadedFile(job.filename or "faq.xlsx", bytes(job.upload))
    origin = upload_jobs.Origin.of(job.requester, job.ip_address)
    result = imports.import_faqs(upload, by=job.requester, request=origin, progress=progress)
    errors = [error.as_dict() for error in result.errors]
    return errors, {"created": result.created, "updated": result.updated}


def percent(job: FAQImportJob) -> int:
    """How far a running job is: the worker's latest figure, else the committed one."""
    return upload_jobs.percent(job, _key(job.pk))


def _key(job_id: int) -> str:
    return f"faq-import-job:{job_id}"

"""Procedures-catalogue imports as jobs (:mod:`pmo.upload_jobs`): a workbook of more than a few
rows is checked and imported by a worker, all or nothing, with progress and a lease; a small
one during the request. The worker runs :func:`documents.services.import_catalogue` exactly as
the page does; :func:`documents.tasks.start_import` queues it.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from documents import services, sheets
from documents.models import CatalogueImportJob
from pmo import ooxml, upload_jobs, xlsx_check


def rows_in(data: bytes, filename: str) -> int:
    """Rows of both sheets, or 0 for a file the inline path should refuse with its message."""
    try:
        return xlsx_check.count_rows(data, filename, every_sheet=True, max_rows=sheets.MAX_ROWS)
    except (ooxml.SheetError, ValueError, OSError):
        return 0


def run_job(job_id: int) -> None:
    """Check and import one queued workbook (claimed once; a deleted or expired job is
    skipped)."""
    upload_jobs.run(
        CatalogueImportJob, job_id, _import, owner="requester", progress_key=_key(job_id)
    )


def _import(job: CatalogueImportJob, progress) -> tuple[list[dict], dict[str, int]]:
    upload = SimpleUploadedFile(job.filename or "procedures.xlsx", bytes(job.upload))
    origin = upload_jobs.Origin.of(job.requester, job.ip_address)
    errors, counts = [], {}
    try:
        counts = services.import_catalogue(
            upload, actor=job.requester, request=origin, progress=progress
        )
    except sheets.ImportRejected as rejected:
        errors = [error.as_dict() for error in rejected.errors]
    return errors, {key: counts.get(key, 0) for key in ("procedures", "linkages")}


def percent(job: CatalogueImportJob) -> int:
    """How far a running job is: the worker's latest figure, else the committed one."""
    return upload_jobs.percent(job, _key(job.pk))


def _key(job_id: int) -> str:
    return f"catalogue-import-job:{job_id}"

"""Bulk issuance as a job: a sheet of more than a few rows is checked and issued by a worker,
all or nothing, with progress and a lease (:mod:`pmo.upload_jobs`); a small one during the
request. :func:`accounts.tasks.start_issue` queues it.

The rows are read and validated by :mod:`accounts.sheets` exactly as on the page; the accounts
are then issued in chunks inside one transaction, renewing the lease between chunks, so a
worker killed half way issues nothing and its job ends ``failed`` (retryable).
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from accounts import services, sheets
from accounts.models import IssueJob, User
from pmo import ooxml, upload_jobs, xlsx_check
from pmo.sheets import RowError

MAX_BYTES = 5 * 1024 * 1024  # what sheets.read accepts; a bigger file is refused inline
CHUNK = 100  # accounts issued between two lease renewals


def rows_in(data: bytes, filename: str) -> int:
    """Rows of the sheet, or 0 for a file the inline path should refuse with its message."""
    if len(data) > MAX_BYTES:
        return 0
    try:
        return xlsx_check.count_rows(data, filename, max_bytes=MAX_BYTES)
    except (ooxml.SheetError, ValueError, OSError):
        return 0


def run_job(job_id: int) -> None:
    """Check and issue one queued sheet (claimed once; a deleted or expired job is skipped)."""
    upload_jobs.run(IssueJob, job_id, _check_and_issue, owner="issuer")


def _check_and_issue(job: IssueJob, progress) -> tuple[list[dict], dict[str, list[dict]]]:
    upload = SimpleUploadedFile(job.filename or "accounts.xlsx", bytes(job.upload))
    accounts, errors = sheets.read(upload, job.issuer)
    if not errors and not accounts:
        errors = [RowError(0, "", _("シートに発行するアカウントがありません。"))]
    progress(50)
    if errors:
        return [error.as_dict() for error in errors], {"issued": []}
    origin = upload_jobs.Origin.of(job.issuer, job.ip_address)
    issued: list[User] = []
    for first in range(0, len(accounts), CHUNK):
        chunk = accounts[first : first + CHUNK]
        issued += services.issue_accounts(job.issuer, chunk, request=origin)
        progress(50 + 50 * len(issued) // len(accounts))
    shown = User.objects.filter(pk__in=[user.pk for user in issued]).select_related(
        "organization__prefecture", "organization__parent"
    )
    return [], {"issued": [_account(user) for user in shown.order_by("pk")]}


def _account(user: User) -> dict:
    organization = user.organization.full_name if user.organization else ""
    return {"display_name": user.display_name, "email": user.email, "organization": organization}

"""Bulk issuance as a job: a sheet of more than a few rows is checked and issued by a worker,
all or nothing, with progress and a lease (:mod:`pmo.jobs`); a small one during the request.

The rows are read and validated by :mod:`accounts.sheets` exactly as on the page; the accounts
are then issued in chunks inside one transaction, renewing the lease between chunks, so a
worker killed half way issues nothing and its job ends ``failed`` (retryable).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services, sheets
from accounts.models import IssueJob, User
from pmo import jobs, xlsx
from pmo.sheets import RowError

MAX_BYTES = 5 * 1024 * 1024  # what sheets.read accepts; a bigger file is refused inline
CHUNK = 100  # accounts issued between two lease renewals


class LeaseLost(Exception):
    """The job's lease expired while it ran: stop, issue nothing."""


@dataclass
class Origin:
    """What the audit trail reads from a request, kept for the worker: who, and from where."""

    user: User
    META: dict = field(default_factory=dict)


def rows_in(data: bytes, filename: str) -> int:
    """Rows of the sheet, or 0 for a file the inline path should refuse with its message."""
    if len(data) > MAX_BYTES:
        return 0
    try:
        return xlsx.count_rows(data, filename, max_bytes=MAX_BYTES)
    except (xlsx.SheetError, ValueError, OSError):
        return 0


def runs_inline(rows: int) -> bool:
    return rows <= settings.IMPORT_INLINE_MAX_ROWS


def start(issuer: User, filename: str, data: bytes, rows: int, ip: str | None) -> IssueJob:
    """Queue the sheet. Raises :class:`pmo.jobs.QueueUnavailable` (no job left) if the broker
    is unreachable. Call outside a transaction (the row must be committed for the worker)."""
    from accounts import tasks

    job = IssueJob.objects.create(
        issuer=issuer, filename=filename[:255], upload=data, total=rows, ip_address=ip
    )
    jobs.enqueue(tasks.issue_accounts, job)
    return job


def run_job(job_id: int) -> None:
    """Check and issue one queued sheet (claimed once; a deleted or expired job is skipped)."""
    if not jobs.claim(IssueJob, job_id):
        return
    job = IssueJob.objects.select_related("issuer").get(pk=job_id)
    try:
        with transaction.atomic():
            _renew(job_id, 1)  # locks the job row until the commit (see pmo.jobs)
            errors, issued = _check_and_issue(job)
            if not jobs.finish(
                IssueJob,
                job_id,
                jobs.FAILED if errors else jobs.DONE,
                errors=errors,
                issued=issued,
                percent=100,
                finished_at=timezone.now(),
                upload=b"",  # the sheet's names and addresses are not kept once it has run
            ):
                raise LeaseLost
    except LeaseLost:
        return
    except Exception:
        jobs.fail(IssueJob, job_id)
        raise


def _check_and_issue(job: IssueJob) -> tuple[list[dict], list[dict]]:
    upload = SimpleUploadedFile(job.filename or "accounts.xlsx", bytes(job.upload))
    accounts, errors = sheets.read(upload, job.issuer)
    if not errors and not accounts:
        errors = [RowError(0, "", _("シートに発行するアカウントがありません。"))]
    _renew(job.pk, 50)
    if errors:
        return [_error(error) for error in errors], []
    origin = Origin(job.issuer, {"REMOTE_ADDR": job.ip_address} if job.ip_address else {})
    issued: list[User] = []
    for first in range(0, len(accounts), CHUNK):
        chunk = accounts[first : first + CHUNK]
        issued += services.issue_accounts(job.issuer, chunk, request=origin)
        _renew(job.pk, 50 + 50 * len(issued) // len(accounts))
    shown = User.objects.filter(pk__in=[user.pk for user in issued]).select_related(
        "organization__prefecture", "organization__parent"
    )
    return [], [_account(user) for user in shown.order_by("pk")]


def _renew(job_id: int, percent: int) -> None:
    if not jobs.renew(IssueJob, job_id, percent=max(1, min(percent, 99))):
        raise LeaseLost


def _error(error: RowError) -> dict:
    return {"row": error.row, "column": str(error.column), "message": str(error.message)}


def _account(user: User) -> dict:
    organization = user.organization.full_name if user.organization_id else ""
    return {"display_name": user.display_name, "email": user.email, "organization": organization}

"""Bulk issuance from a sheet (/manage/accounts/bulk/): the template, the upload (a small
sheet is issued during the request, a larger one by a worker: accounts.bulk) and the job's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import bulk, permissions, services, sheets, tasks
from accounts.models import IssueJob, User
from accounts.views import common
from pmo import job_views, upload_jobs, xlsx
from pmo.http import attachment
from pmo.sheets import RowError


@login_required
def bulk_template(request):
    common.require_issuer(request)
    return attachment(
        sheets.template(request.user), _("アカウント一括発行.xlsx"), xlsx.XLSX_CONTENT_TYPE
    )


@login_required
@require_http_methods(["GET", "POST"])
def bulk_issue(request):
    """A small sheet is issued during the request; a larger one by a worker (bulk.py)."""
    common.require_issuer(request)
    errors: list[RowError] = []
    issued: list[User] = []
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("sheet")
        if upload is None:
            errors = [RowError(0, "", _("ファイルを選んでください。"))]
        else:
            received = upload_jobs.receive(
                request,
                upload,
                max_bytes=bulk.MAX_BYTES,
                rows_in=bulk.rows_in,
                start=tasks.start_issue,
                job_page="accounts:bulk_job",
            )
            if received.response:
                return received.response
            if received.refused:
                errors, status = [RowError(0, "", received.refused)], 503
            else:
                errors, issued = _issue_inline(request, upload)
    return render(
        request,
        "accounts/manage/bulk.html",
        {"errors": errors, "issued": issued},
        status=status if status != 200 else (400 if errors else 200),
    )


def _issue_inline(request, upload) -> tuple[list, list]:
    accounts, errors = sheets.read(upload, request.user)
    if not errors and not accounts:
        errors = [RowError(0, "", _("シートに発行するアカウントがありません。"))]
    if errors:
        return errors, []
    issued = services.issue_accounts(request.user, accounts, request=request)
    message = _("%(count)d 件のアカウントを発行しました。") % {"count": len(issued)}
    messages.success(request, message)
    return [], issued


def _own_job(request, pk: int) -> IssueJob:
    common.require_issuer(request)
    try:
        return IssueJob.objects.defer("upload").get(pk=pk, issuer=request.user)
    except IssueJob.DoesNotExist:
        raise permissions.denied(request, permissions.MANAGE_ACCOUNTS, {"issue_job": pk}) from None


@login_required
def bulk_job(request, pk: int):
    """The progress, then the result, of a bulk-issuance job (the issuer's own)."""
    job = _own_job(request, pk)
    return job_views.progress_page(
        request, job, "accounts/manage/bulk_job.html", "accounts/manage/_bulk_job.html"
    )


@login_required
@require_POST
def bulk_retry(request, pk: int):
    """Check and issue an interrupted sheet again, as a new job with the same file."""
    return job_views.retry(request, _own_job(request, pk), tasks.start_issue, "accounts:bulk_job")

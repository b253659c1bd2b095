"""The procedures catalogue import: a small workbook during the request, a larger one as a
worker job (:mod:`documents.import_jobs`) with its progress page; a job is its requester's own."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from accounts.signed_in import SignedInRequest
from documents import import_jobs, services, sheets, tasks
from documents.forms import CatalogueImportForm
from documents.models import CatalogueImportJob
from pmo import job_views, upload_jobs, xlsx_check


def _require_editor(request: HttpRequest) -> None:
    permissions.require(request, permissions.EDIT_CONTENT)


@login_required
def procedures_import(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = CatalogueImportForm(request.POST or None, request.FILES or None)
    errors: list = []
    refused, status = "", 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["workbook"]
        received = upload_jobs.receive(
            request,
            upload,
            max_bytes=xlsx_check.MAX_BYTES,
            rows_in=import_jobs.rows_in,
            start=tasks.start_import,
            job_page="documents:procedures_import_job",
        )
        if received.response:
            return received.response
        if received.refused:
            refused, status = received.refused, 503
        else:
            try:
                counts = services.import_catalogue(upload, actor=request.user, request=request)
            except sheets.ImportRejected as rejected:
                errors = rejected.errors
            else:
                messages.success(
                    request,
                    _("別表第1を%(p)s行、別表第2を%(l)s行取り込みました。")
                    % {"p": counts["procedures"], "l": counts["linkages"]},
                )
                return redirect("documents:procedures")
    context = {"form": form, "errors": errors, "refused": refused}
    return render(request, "documents/procedures_import.html", context, status=status)


def _own_job(request: SignedInRequest, pk: int) -> CatalogueImportJob:
    _require_editor(request)
    try:
        return CatalogueImportJob.objects.defer("upload").get(pk=pk, requester=request.user)
    except CatalogueImportJob.DoesNotExist:
        raise permissions.denied(
            request, permissions.EDIT_CONTENT, {"catalogue_import_job": pk}
        ) from None


@login_required
@require_GET
def procedures_import_job(request: SignedInRequest, pk: int) -> HttpResponse:
    """The progress, then the result, of a catalogue import job (the requester's own)."""
    job = _own_job(request, pk)
    return job_views.progress_page(
        request,
        job,
        "documents/procedures_import_job.html",
        "documents/_procedures_import_job.html",
        percent=import_jobs.percent(job),
    )


@login_required
@require_POST
def procedures_import_retry(request: SignedInRequest, pk: int) -> HttpResponse:
    """Import an interrupted workbook again, as a new job with the same file."""
    job = _own_job(request, pk)
    return job_views.retry(request, job, tasks.start_import, "documents:procedures_import_job")

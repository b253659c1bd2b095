"""The plan's Excel round trip: the workbook download, the upload (checked before anything is
read), its import job (run inline for a few rows, else by a worker) with its progress, its
retry and the marked workbook of a failed one."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import permissions
from accounts.permissions import EDIT_PLAN
from actionplan import excel, import_jobs, selectors, tasks
from actionplan.forms import UploadForm
from actionplan.models import ImportJob
from actionplan.views.common import is_htmx, organization_or_404, programme_asked
from orgs.models import Organization
from pmo import jobs
from pmo.http import attachment
from pmo.xlsx import XLSX_CONTENT_TYPE


@login_required
@require_GET
def plan_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    organization = organization_or_404(request, code)
    programme = programme_asked(request)
    rows = selectors.plan(organization, programme).rows
    data = excel.export(organization, programme, rows)
    filename = f"plan-{organization.code}-{timezone.localdate():%Y%m%d}.xlsx"
    return attachment(data, filename, XLSX_CONTENT_TYPE)


@login_required
@require_http_methods(["GET", "POST"])
def plan_upload(request: HttpRequest, code: str) -> HttpResponse:
    organization = organization_or_404(request, code, EDIT_PLAN)
    programme = programme_asked(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > excel.MAX_BYTES:
                raise excel.UploadRefused(
                    gettext("ファイルが大きすぎます（%(limit)sMBまで）。")
                    % {"limit": excel.MAX_BYTES // (1024 * 1024)}
                )
            data = upload.read()
            rows = excel.preflight(data, upload.name)
        except excel.UploadRefused as refused:
            form.add_error("file", str(refused))
        else:
            try:
                job = _start_import(request, organization, programme, upload.name, data, rows)
            except jobs.QueueUnavailable:
                form.add_error(None, jobs.BROKER_DOWN)
                status = 503
            else:
                return redirect("actionplan:import_job", code=organization.code, pk=job.pk)
    context = {"organization": organization, "programme": programme, "form": form}
    if form.errors and status == 200:
        status = 400
    return render(request, "actionplan/upload.html", context, status=status)


def _start_import(request, organization, programme, filename: str, data: bytes, rows: int):
    """Create the job and run it now (a few rows) or send it to a worker. Raises
    :class:`pmo.jobs.QueueUnavailable` (and leaves no job) if the broker is unreachable."""
    job = ImportJob.objects.create(
        organization=organization,
        programme=programme,
        user=request.user,
        filename=filename[:255],
        upload=data,
        total=rows,
    )
    if rows <= settings.IMPORT_INLINE_MAX_ROWS:
        import_jobs.run_job(job.pk)
    else:
        # A large sheet goes to a worker; the job page shows its progress. The row is already
        # committed (autocommit), so the worker finds it whenever it takes the message.
        jobs.enqueue(tasks.import_plan, job)
    return job


def _job(request: HttpRequest, organization: Organization, pk: int) -> ImportJob:
    return permissions.get_visible_or_404(
        request, ImportJob.objects.filter(organization=organization), EDIT_PLAN, pk=pk
    )


@login_required
@require_GET
def import_job(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organization = organization_or_404(request, code, EDIT_PLAN)
    job = _job(request, organization, pk)
    done, total = import_jobs.job_progress(job)
    context = {
        "organization": organization,
        "job": job,
        "percent": min(int(done * 100 / total), 100) if total else 0,
        "running": job.state in (ImportJob.State.QUEUED, ImportJob.State.RUNNING),
    }
    template = "actionplan/_job.html" if is_htmx(request) else "actionplan/job.html"
    return render(request, template, context)


@login_required
@require_POST
def import_retry(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Run an interrupted import again, as a new job with the same file."""
    organization = organization_or_404(request, code, EDIT_PLAN)
    job = _job(request, organization, pk)
    if not job.retryable:
        return redirect("actionplan:import_job", code=organization.code, pk=job.pk)
    try:
        again = _start_import(
            request, organization, job.programme, job.filename, bytes(job.upload), job.total
        )
    except jobs.QueueUnavailable:
        messages.error(request, jobs.BROKER_DOWN)
        return redirect("actionplan:import_job", code=organization.code, pk=job.pk)
    return redirect("actionplan:import_job", code=organization.code, pk=again.pk)


@login_required
@require_GET
def import_marked(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organization = organization_or_404(request, code, EDIT_PLAN)
    job = _job(request, organization, pk)
    if not job.marked:
        raise Http404
    return attachment(bytes(job.marked), f"errors-{organization.code}.xlsx", XLSX_CONTENT_TYPE)

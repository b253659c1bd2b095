"""The late-list export job's pages: its progress, the finished file, 再作成 after an
interruption. A job is its requester's own: anyone else (and anyone who lost the REVIEW
action since) gets 404, audited."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from accounts.permissions import REVIEW
from accounts.signed_in import SignedInRequest
from actionplan import programmes
from actionplan.models import Programme
from pmo import job_views, jobs
from pmo.downloads import attachment_response
from pmo.http import attachment
from review import exports, tasks
from review.models import LateExportJob


def _own(request: SignedInRequest, pk: int) -> LateExportJob:
    permissions.require(request, REVIEW)
    job = LateExportJob.objects.select_related("programme").filter(pk=pk, user=request.user)
    if (found := job.first()) is None:
        raise permissions.denied(request, REVIEW, {"late_export_job": pk})
    return found


@login_required
@require_GET
def late_export_job(request: SignedInRequest, pk: int) -> HttpResponse:
    job = _own(request, pk)
    back = QueryDict(job.query, mutable=True)
    back[programmes.PARAM] = str(job.programme_id)
    return job_views.progress_page(
        request,
        job,
        "review/late_export_job.html",
        "review/_late_export_job.html",
        back=f"{reverse('review:late')}?{back.urlencode()}",
    )


@login_required
@require_GET
def late_export_download(request: SignedInRequest, pk: int) -> HttpResponseBase:
    """The finished file, streamed from the storage (never read into memory)."""
    job = _own(request, pk)
    if job.state != LateExportJob.State.DONE or not job.file:
        raise Http404  # not written (yet): the job page says why
    name = exports.filename(job.programme, job.on, job.fmt)
    return attachment_response(job.file, name, exports.CONTENT_TYPES[job.fmt])


@login_required
@require_POST
def late_export_retry(request: SignedInRequest, pk: int) -> HttpResponse:
    """Write an interrupted export again, as a new job of today's list with the same filters."""
    job = _own(request, pk)
    if not job.retryable:
        return redirect("review:late_export_job", pk=job.pk)
    back = redirect("review:late_export_job", pk=job.pk)
    today = timezone.localdate()
    return start(request, job.programme, today, job.fmt, job.query, back=back)


def respond(request: SignedInRequest, programme: Programme, fmt: str) -> HttpResponse:
    """The file of the late list as the request asks: written here when small, else a job
    (its page, or back to the list with the message when the broker is down)."""
    on = timezone.localdate()
    queryset = exports.flags_of(exports.late_filter(request.user, programme, on, request.GET))
    if exports.is_large(queryset):
        return start(request, programme, on, fmt, request.GET.urlencode())
    out = io.BytesIO()
    exports.write(fmt, exports.lines(queryset, programme, chunked=False), out)
    name = exports.filename(programme, on, fmt)
    return attachment(out.getvalue(), name, exports.CONTENT_TYPES[fmt])


def start(
    request: SignedInRequest,
    programme: Programme,
    on: dt.date,
    fmt: str,
    query: str,
    *,
    back: HttpResponse | None = None,
) -> HttpResponse:
    """Queue an export job and show its page; with the broker unreachable, say so on ``back``
    (by default the late list with the same filters). No job is left behind."""
    job = LateExportJob.objects.create(
        user=request.user, programme=programme, on=on, fmt=fmt, query=query
    )
    try:
        jobs.enqueue(tasks.build_late_export, job)  # the row is committed: views autocommit
    except jobs.QueueUnavailable:
        messages.error(request, jobs.BROKER_DOWN)
        if back is None:
            again = QueryDict(query, mutable=True)
            again[programmes.PARAM] = str(programme.pk)
            back = redirect(f"{reverse('review:late')}?{again.urlencode()}")
        return back
    return redirect("review:late_export_job", pk=job.pk)

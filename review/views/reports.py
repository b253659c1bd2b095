"""The meeting report (in the request or by a worker) and the public open-data CSV."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from accounts.permissions import REVIEW
from accounts.signed_in import SignedInRequest
from pmo import jobs
from pmo.http import attachment
from pmo.xlsx import XLSX_CONTENT_TYPE
from review import reports, tasks
from review.forms import parse_as_of
from review.models import (
    ReportJob,
)
from review.open_data import cached_open_data_csv
from review.views.common import (
    asked_programme,
    in_programme,
    national,
)


@login_required
@require_GET
def report(request: SignedInRequest) -> HttpResponse:
    programme, scope = national(request)
    on, error = parse_as_of(request.GET.get("as_of"), programme)
    back = in_programme(programme, reverse("review:index"))
    if on is None:
        messages.error(request, error)
        return redirect(back)
    if reports.is_large(programme, on):
        return _start_report(request, programme, on, back=redirect(back))
    data = reports.build(programme, on, scope)
    return _xlsx(data, report_filename(programme, on))


def _start_report(request: SignedInRequest, programme, on, *, back: HttpResponse) -> HttpResponse:
    """Queue a report job and show its page; with the broker unreachable, say so on ``back``
    (no job is left behind)."""
    job = ReportJob.objects.create(user=request.user, programme=programme, as_of=on)
    try:
        jobs.enqueue(tasks.build_report, job)  # the row is committed: views run in autocommit
    except jobs.QueueUnavailable:
        messages.error(request, jobs.BROKER_DOWN)
        return back
    return redirect("review:report_job", pk=job.pk)


def _own_report(request: SignedInRequest, pk: int, **fields) -> ReportJob:
    permissions.require(request, REVIEW)
    try:
        return (
            ReportJob.objects.defer("result")
            .select_related("programme")
            .get(pk=pk, user=request.user, **fields)
        )
    except ReportJob.DoesNotExist:
        raise permissions.denied(request, REVIEW, {"report_job": pk}) from None


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    return attachment(data, filename, XLSX_CONTENT_TYPE)


def report_filename(programme, on) -> str:
    """The report names its programme: two programmes' reports of one day stay apart."""
    return f"report-{programme.name}-{on:%Y%m%d}.xlsx"


@login_required
@require_GET
def report_job(request: SignedInRequest, pk: int) -> HttpResponse:
    job = _own_report(request, pk)
    if request.GET.get("download") and job.state == ReportJob.State.DONE:
        data = ReportJob.objects.values_list("result", flat=True).get(pk=pk)
        if data is None:
            raise Http404  # no report stored: never an empty file
        return _xlsx(bytes(data), report_filename(job.programme, job.as_of))
    template = (
        "review/_report_job.html" if request.headers.get("HX-Request") else "review/report_job.html"
    )
    return render(request, template, {"job": job})


@login_required
@require_POST
def report_retry(request: SignedInRequest, pk: int) -> HttpResponse:
    """Build an interrupted report again, as a new job for the same date."""
    job = _own_report(request, pk)
    back = redirect("review:report_job", pk=job.pk)
    if not job.retryable:
        return back
    return _start_report(request, job.programme, job.as_of, back=back)


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    """The national aggregates as CSV for anyone, signed in or not (open data): the whole
    country whatever the user's own scope, and nothing below the prefecture."""
    permissions.require(request, permissions.OPEN_DATA)
    programme = asked_programme(request)
    on = timezone.localdate()
    text = cached_open_data_csv(programme, on)
    data = ("\ufeff" + text).encode()
    return attachment(data, f"national-{programme.name}-{on:%Y%m%d}.csv", "text/csv; charset=utf-8")

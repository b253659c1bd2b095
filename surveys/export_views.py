"""Downloads of a survey's results: the workbook (built by a worker, with progress) and CSV."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from pmo import jobs
from pmo.http import attachment, streaming_attachment
from pmo.xlsx import XLSX_CONTENT_TYPE
from surveys import exports, result_views, results, tasks
from surveys.models import ResultsJob
from surveys.views import survey_or_404


def _start(request, survey, *, back):
    job = ResultsJob.objects.create(user=request.user, survey=survey)
    try:
        jobs.enqueue(tasks.build_results, job)  # the row is committed: views run in autocommit
    except jobs.QueueUnavailable:
        messages.error(request, jobs.BROKER_DOWN)
        return back
    return redirect("surveys:results_job", pk=survey.pk, job_id=job.pk)


@login_required
@require_POST
def results_xlsx(request, pk: int):
    """Ask for the results workbook: a job, then its page with progress and the download."""
    survey = survey_or_404(request, pk, permissions.TRACK_SURVEY)
    return _start(request, survey, back=redirect("surveys:results", pk=survey.pk))


def _own_job(request, pk: int, job_id: int) -> ResultsJob:
    survey = survey_or_404(request, pk, permissions.TRACK_SURVEY)
    try:
        return (
            ResultsJob.objects.defer("result")
            .select_related("survey")
            .get(pk=job_id, survey=survey, user=request.user)
        )
    except ResultsJob.DoesNotExist:
        raise permissions.denied(
            request, permissions.TRACK_SURVEY, {"results_job": job_id}
        ) from None


@login_required
@require_GET
def results_job(request, pk: int, job_id: int):
    job = _own_job(request, pk, job_id)
    if request.GET.get("download") and job.state == ResultsJob.State.DONE:
        data = ResultsJob.objects.values_list("result", flat=True).get(pk=job.pk)
        if data is None:
            raise Http404  # no workbook stored: never an empty file
        name = exports.filename(job.survey, "xlsx")
        return attachment(bytes(data), name, XLSX_CONTENT_TYPE)
    template = (
        "surveys/_results_job.html"
        if request.headers.get("HX-Request")
        else "surveys/results_job.html"
    )
    return render(request, template, {"job": job, "survey": job.survey})


@login_required
@require_POST
def results_retry(request, pk: int, job_id: int):
    job = _own_job(request, pk, job_id)
    back = redirect("surveys:results_job", pk=pk, job_id=job.pk)
    if not job.retryable:
        return back
    return _start(request, job.survey, back=back)


@login_required
@require_GET
def results_csv(request, pk: int):
    """The answers as CSV, streamed: the organisations the results page's filters keep (its
    address's prefecture, class, answer and as_of), as of that day."""
    survey = survey_or_404(request, pk, permissions.TRACK_SURVEY)
    questions, filters, responses = result_views.filtered(request, survey)
    chunks = exports.csv_lines(questions, results.counted(responses, filters.as_of), filters.as_of)
    return streaming_attachment(
        (line.encode() for line in chunks),
        exports.filename(survey, "csv"),
        "text/csv; charset=utf-8",
    )

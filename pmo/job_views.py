"""The two pages every upload job has: its progress/result, and 再実行 after an interruption.

Each app keeps its own views (they decide whose job it is, through the permission module) and
calls these for the rest, so a job page polls, renders and retries the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from pmo import jobs


def progress_page(
    request: HttpRequest, job: jobs.LeasedJob, template: str, partial: str, **context
) -> HttpResponse:
    """The job's page; htmx polls ``partial`` while it runs."""
    context = {"job": job, "running": job.running, **context}
    is_htmx = request.headers.get("HX-Request") == "true"
    return render(request, partial if is_htmx else template, context)


def retry(request: HttpRequest, job, start: Callable, page: str) -> HttpResponse:
    """Run an interrupted job's file again as a new job, then show that job's ``page``.

    ``start(user, filename, data, rows, ip)`` queues it (each app's ``start``); a broker
    that is down leaves the person on the old job's page with the message.
    """
    if not job.retryable:
        return redirect(page, pk=job.pk)
    data = type(job).objects.values_list("upload", flat=True).get(pk=job.pk)
    try:
        again = start(request.user, job.filename, bytes(data), job.total, job.ip_address)
    except jobs.QueueUnavailable:
        messages.error(request, jobs.BROKER_DOWN)
        return redirect(page, pk=job.pk)
    return redirect(page, pk=again.pk)

"""An uploaded workbook run as a job (bulk issuance, FAQ and catalogue imports), all alike.

A sheet of more than a few rows (:func:`runs_inline`) is queued (:func:`start`, called from
the app's ``tasks.py``, the one place that enqueues) and run by a worker (:func:`run`): the
job is claimed once (a conditional UPDATE, :mod:`pmo.jobs`), then the app's ``work`` runs in
one transaction whose first statement renews the job's lease, locking its row until the
commit, so a worker killed half way writes nothing and its job ends ``failed`` (retryable). A
deleted, taken or expired job is skipped, and a second delivery changes nothing.

Progress inside that transaction is invisible to other connections until the commit; a job
page that shows it reads it from the cache (:func:`percent`; a cache outage stops nothing).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from pmo import jobs
from pmo.clientip import client_ip

Progress = Callable[[int], None]
# The app's work on one claimed job: (row errors as dicts, counts to store on the job).
Work = Callable[[Any, Progress], tuple[list[dict], dict[str, Any]]]


class LeaseLost(Exception):
    """The job's lease expired while it ran: stop, write nothing."""


@dataclass
class Origin:
    """What the audit trail reads from a request, kept for the worker: who, and from where."""

    user: Any
    META: dict = field(default_factory=dict)

    @classmethod
    def of(cls, user: Any, ip: str | None) -> Origin:
        return cls(user, {"REMOTE_ADDR": ip} if ip else {})


def runs_inline(rows: int) -> bool:
    return rows <= settings.IMPORT_INLINE_MAX_ROWS


@dataclass(frozen=True)
class Received:
    """What became of an uploaded sheet in the request (:func:`receive`): queued as a job
    (``response`` sends the person to its page), refused because the queue is down
    (``refused``, answered 503), or small enough to run now (neither: the caller runs it
    on ``upload``, rewound)."""

    response: HttpResponse | None = None
    refused: str = ""


def receive(
    request,
    upload,
    *,
    max_bytes: int,
    rows_in: Callable[[bytes, str], int],
    start: Callable[..., Any],
    job_page: str,
) -> Received:
    """Read the upload once (``max_bytes`` + 1, so an oversized file is still seen as one),
    count its rows, and queue a large sheet with the app's ``start(user, filename, data,
    rows, ip)`` (its tasks module); its job page is the URL name ``job_page``."""
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    rows = rows_in(data, upload.name)
    if runs_inline(rows):
        upload.seek(0)
        return Received()
    try:
        job = start(request.user, upload.name, data, rows, client_ip(request))
    except jobs.QueueUnavailable:
        return Received(refused=str(jobs.BROKER_DOWN))
    return Received(response=redirect(job_page, pk=job.pk))


def start(
    model: type[jobs.UploadJob],
    task,
    *,
    filename: str,
    data: bytes,
    rows: int,
    ip: str | None,
    **owner: Any,
) -> Any:
    """Queue the upload as a new ``model`` row and send ``task(row.pk)``. Raises
    :class:`pmo.jobs.QueueUnavailable` (no row left) if the broker is unreachable. Call
    outside a transaction (the row must be committed for the worker)."""
    job = model._default_manager.create(
        filename=filename[:255], upload=data, total=rows, ip_address=ip, **owner
    )
    jobs.enqueue(task, job)
    return job


def run(
    model: type[jobs.UploadJob], job_id: int, work: Work, *, owner: str, progress_key: str = ""
) -> None:
    """Claim job ``job_id`` and run ``work(job, progress)`` on it, all or nothing (see above).

    ``owner`` is the job's user field (loaded with it); with ``progress_key`` the worker's
    figure is also kept in the cache under that key for :func:`percent`."""
    if not jobs.claim(model, job_id):
        return
    job = model._default_manager.select_related(owner).get(pk=job_id)

    def progress(figure: int) -> None:
        figure = max(1, min(figure, 99))
        if progress_key:
            with contextlib.suppress(Exception):
                cache.set(progress_key, figure, 3600)
        if not jobs.renew(model, job_id, percent=figure):
            raise LeaseLost

    try:
        with transaction.atomic():
            progress(1)  # locks the job row until the commit (see pmo.jobs)
            errors, counts = work(job, progress)
            state = jobs.FAILED if errors else jobs.DONE
            done = {"percent": 100, "finished_at": timezone.now()}
            # The upload is not kept once it has run (a sheet of names and addresses, too).
            if not jobs.finish(model, job_id, state, errors=errors, upload=b"", **done, **counts):
                raise LeaseLost
    except LeaseLost:
        return
    except Exception:
        jobs.fail(model, job_id)
        raise
    finally:
        if progress_key:
            with contextlib.suppress(Exception):
                cache.delete(progress_key)


def percent(job: jobs.UploadJob, progress_key: str) -> int:
    """How far a running job is: the worker's latest figure, else the committed one."""
    with contextlib.suppress(Exception):
        return max(int(cache.get(progress_key) or 0), job.percent)
    return job.percent

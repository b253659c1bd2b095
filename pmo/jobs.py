"""Leases for every background job (plan imports, meeting reports, bulk issuance).

A job row holds a lease, ``lease_expires_at``. It is set when the row is queued (so a message
the broker lost cannot leave it waiting forever), and again when a worker claims it (the
conditional UPDATE queued→running) and each time the worker reports progress. The beat task
``expire_jobs`` (:func:`expire_stale`) marks every queued or running job whose lease has passed
``failed`` (:data:`INTERRUPTED`), and the person can retry it from the job page.

A worker that does its work in one transaction (an all-or-nothing import or issuance) renews
the lease first thing inside it, which locks its own job row until the commit;
:func:`expire_stale` skips locked rows (``SELECT … FOR UPDATE SKIP LOCKED``), so a live worker
is never expired, however long one step takes, while a killed one loses its connection, its
transaction and so its lock, and its lease then runs out. (SQLite has no row locks: there the
lease alone decides, which is fine for the in-process demo.)

Enqueueing (:func:`enqueue`) happens in the request after the row is committed (views run in
autocommit): the worker can then always see the row. If the broker refuses the message the row
is deleted again and :class:`QueueUnavailable` tells the view to say so; nothing is left queued.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
# Why a job failed when the cause was not its data (stored as a code, shown translated).
INTERRUPTED, CRASHED = "interrupted", "crashed"
FAILURES = {
    INTERRUPTED: _("処理が中断されました。もう一度お試しください。"),
    CRASHED: _("処理中にエラーが発生しました。時間をおいてもう一度お試しください。"),
}
BROKER_DOWN = _(
    "処理を受け付けられませんでした（処理サーバーに接続できません）。"
    "しばらくしてからもう一度お試しください。"
)
# Publishing to a broker that is down fails fast: the person is waiting on the form.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def queued_lease() -> dt.datetime:
    """How long a queued job may wait for a worker before it counts as lost."""
    return timezone.now() + dt.timedelta(seconds=settings.JOB_QUEUE_SECONDS)


def running_lease() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)


class JobState(models.TextChoices):
    QUEUED = QUEUED, _("待機中")
    RUNNING = RUNNING, _("処理中")
    DONE = DONE, _("完了")
    FAILED = FAILED, _("エラー")


class LeasedJob(models.Model):
    """Fields every job model shares: its state, progress, lease and when it was asked for.
    Each model adds its owner, what it works on and what it produces."""

    State = JobState

    state = models.CharField(
        _("状態"), max_length=8, choices=JobState.choices, default=JobState.QUEUED
    )
    percent = models.PositiveSmallIntegerField(_("進捗"), default=0)
    lease_expires_at = models.DateTimeField(
        _("処理期限"), null=True, blank=True, default=queued_lease
    )
    # Why a job failed when the cause was not its data (a FAILURES key): it may be retried.
    failure = models.CharField(_("中断の理由"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("受付日時"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]
        indexes = [  # keeps the expiry poll (expire_stale) cheap
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(state__in=[QUEUED, RUNNING]),
                name="%(class)s_open_lease",
            )
        ]

    @property
    def running(self) -> bool:
        """Queued or running: its page keeps polling."""
        return self.state in (QUEUED, RUNNING)

    @property
    def retryable(self) -> bool:
        return self.state == FAILED and bool(self.failure)

    @property
    def failure_message(self) -> str:
        return str(FAILURES.get(self.failure, "")) if self.failure else ""


class UploadJob(LeasedJob):
    """A job that runs an uploaded workbook (bulk issuance, FAQ and catalogue imports): the
    file, who sent it from where and its row errors. Each model adds its owner and its
    counts; its page and retry are :mod:`pmo.job_views`."""

    filename = models.CharField(_("ファイル名"), max_length=255)
    upload = models.BinaryField(_("アップロードしたファイル"))
    # The sender's address at upload, for the audit event the worker writes.
    ip_address = models.GenericIPAddressField(_("IPアドレス"), null=True, blank=True)
    total = models.PositiveIntegerField(_("行数"), default=0)
    errors = models.JSONField(_("エラー"), default=list, blank=True)
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)

    class Meta(LeasedJob.Meta):
        abstract = True


class QueueUnavailable(Exception):
    """The broker could not take the job; its row has been deleted."""


def _rows(model: type[LeasedJob]) -> models.QuerySet[Any]:
    """All of ``model``'s rows (typed as any model's: each job model adds its own fields)."""
    return model._default_manager.all()


def job_models() -> list[type[LeasedJob]]:
    return [model for model in apps.get_models() if issubclass(model, LeasedJob)]


def claim(model: type[LeasedJob], pk: int) -> bool:
    """Take a queued job (once: a conditional UPDATE). False if deleted, taken or expired."""
    return bool(
        _rows(model)
        .filter(pk=pk, state=QUEUED)
        .update(state=RUNNING, lease_expires_at=running_lease())
    )


def renew(model: type[LeasedJob], pk: int, **fields: Any) -> bool:
    """Extend a running job's lease (with any progress ``fields``). False if it was expired
    meanwhile: the worker should stop, another run may already be under way."""
    return bool(
        _rows(model).filter(pk=pk, state=RUNNING).update(lease_expires_at=running_lease(), **fields)
    )


def finish(model: type[LeasedJob], pk: int, state: str, **fields: Any) -> bool:
    """End a running job. False if its lease was lost (then nothing is written). A job that
    is done is at 100 %."""
    if state == DONE:
        fields.setdefault("percent", 100)
    return bool(
        _rows(model)
        .filter(pk=pk, state=RUNNING)
        .update(state=state, lease_expires_at=None, **fields)
    )


def fail(model: type[LeasedJob], pk: int, reason: str = CRASHED) -> bool:
    """Mark a running job failed after an unexpected error (retryable)."""
    return finish(model, pk, FAILED, failure=reason)


def expire_stale(now: dt.datetime | None = None) -> int:
    """Fail every queued or running job whose lease has passed. Returns how many; a second run
    finds none of them (they are no longer queued or running)."""
    now = now or timezone.now()
    count = 0
    for model in job_models():
        with transaction.atomic():
            stale = list(
                _rows(model)
                .select_for_update(skip_locked=True)
                .filter(state__in=(QUEUED, RUNNING), lease_expires_at__lt=now)
                .values_list("pk", flat=True)
            )
            if stale:
                count += (
                    _rows(model)
                    .filter(pk__in=stale, state__in=(QUEUED, RUNNING), lease_expires_at__lt=now)
                    .update(state=FAILED, lease_expires_at=None, failure=INTERRUPTED)
                )
    return count


def send(task, *args) -> None:
    """Send ``task(*args)`` to the broker now. Raises :class:`QueueUnavailable` if it is
    unreachable. In-process (no broker) the task runs here and its errors are its own."""
    if task.app.conf.task_always_eager:
        task.apply_async(args)
        return
    from kombu.exceptions import OperationalError

    try:
        task.apply_async(args, retry=True, retry_policy=PUBLISH_RETRY)
    except (OperationalError, OSError) as exc:
        raise QueueUnavailable(str(exc)) from exc


def enqueue(task, job: LeasedJob) -> None:
    """Send ``task(job.pk)`` to the broker now. Call it outside any transaction, after the row
    is committed; if the broker is unreachable, delete the row and raise
    :class:`QueueUnavailable` (the view shows :data:`BROKER_DOWN` on its form)."""
    try:
        send(task, job.pk)
    except QueueUnavailable:
        _rows(type(job)).filter(pk=job.pk, state=QUEUED).delete()
        raise

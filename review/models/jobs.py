"""The review's background jobs: the meeting report and the late list as a file, leased like
every job (:mod:`pmo.jobs`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from actionplan.models import Programme
from pmo.jobs import LeasedJob


def requester_language() -> str:
    """The active language when a job is asked for (the request's), for the worker."""
    return translation.get_language() or settings.LANGUAGE_CODE


class ReportJob(LeasedJob):
    """A meeting report being built by a worker (large national data sets); leased like every
    job (:mod:`pmo.jobs`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("依頼者"), on_delete=models.CASCADE
    )
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField(_("基準日"))
    result = models.BinaryField(_("報告書"), null=True, blank=True)
    # The worker builds the report in the language the requester was using.
    language = models.CharField(_("言語"), max_length=16, default=requester_language)

    class Meta(LeasedJob.Meta):
        verbose_name = _("会議資料の作成")
        verbose_name_plural = _("会議資料の作成")

    def __str__(self) -> str:
        return f"{self.as_of}: {self.get_state_display()}"


class LateExportJob(LeasedJob):
    """The late list as a file (.xlsx or .csv) written by a worker (:mod:`review.exports`):
    every row the page's filters find, as the user could see them on ``on``. Leased like every
    job (:mod:`pmo.jobs`); the file lies in the media storage, never in a database column, so
    neither the worker nor the download holds it in memory."""

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel"
        CSV = "csv", "CSV"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("依頼者"), on_delete=models.CASCADE
    )
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    on = models.DateField(_("基準日"))
    fmt = models.CharField(_("形式"), max_length=4, choices=Format.choices)
    # The worker writes the headers and labels in the language the requester was using.
    language = models.CharField(_("言語"), max_length=16, default=requester_language)
    # The late page's query string (its filters and sort), run again by the worker.
    query = models.TextField(_("絞り込み条件"), blank=True)
    total = models.PositiveIntegerField(_("行数"), default=0)
    done = models.PositiveIntegerField(_("書き出した行数"), default=0)
    file = models.FileField(_("ファイル"), upload_to="exports/late/", blank=True)
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)

    class Meta(LeasedJob.Meta):
        verbose_name = _("遅延一覧の出力")
        verbose_name_plural = _("遅延一覧の出力")

    def __str__(self) -> str:
        return f"{self.on} {self.fmt}: {self.get_state_display()}"

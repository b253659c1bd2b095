"""Each organisation's plan: its own target systems, its plan entries (planned and actual dates
per task, per target system for G), the advice it is given and its workbook imports.

Writes go through :mod:`actionplan.services`; pure judgement lives in :mod:`actionplan.rules`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from actionplan.models.programme import Programme, TargetSystem, Task
from orgs.models import Organization
from pmo.jobs import LeasedJob


class OrganizationSystem(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name=_("団体"), on_delete=models.CASCADE, related_name="systems"
    )
    system = models.ForeignKey(
        TargetSystem, verbose_name=_("対象システム"), on_delete=models.PROTECT
    )
    # Retired (廃止): the system's entries stay with their history but are out of the
    # figures from this day (actionplan.services.retire_system).
    retired_on = models.DateField(_("廃止日"), null=True, blank=True)

    class Meta:
        verbose_name = _("団体の対象システム")
        verbose_name_plural = _("団体の対象システム")
        constraints = [
            models.UniqueConstraint(fields=["organization", "system"], name="org_system_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.system}"


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("未着手")
    IN_PROGRESS = "in_progress", _("実施中")
    DONE = "done", _("完了")
    NOT_APPLICABLE = "not_applicable", _("対象外")


# A plan's rows in order: by work item, task and target system (the system's own order and
# name), then by id, so that every row has one place (the plan page's pages never overlap).
PLAN_ORDER = (
    "task__work_item__order",
    "task__work_item__code",
    "task__order",
    "task_id",
    "system",
    "id",
)


class PlanEntryQuerySet(models.QuerySet):
    def counted(self) -> PlanEntryQuerySet:
        """Entries that count in the figures: not those of a retired target system."""
        return self.filter(retired_on=None)

    def for_plan(self, organization: Organization, programme: Programme) -> PlanEntryQuerySet:
        return (
            self.filter(organization=organization, task__work_item__programme=programme)
            .select_related("task__work_item", "system", "updated_by")
            .order_by(*PLAN_ORDER)
        )


class PlanEntry(models.Model):
    """One organisation's plan and actuals for one task (and one target system for G).

    ``version`` is bumped on every save; a save names the version it was based on and is
    refused when another save came first (see :func:`actionplan.services.save_entry`).
    ``next_check_on`` is when the entry's delay judgement can next change (kept for the
    nightly job of the delay-detection issue; indexed so that job touches only due rows).
    """

    # Indexed by the unique constraints below, which lead with it.
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("団体"),
        on_delete=models.CASCADE,
        related_name="plan_entries",
        db_index=False,
    )
    task = models.ForeignKey(
        Task, verbose_name=_("タスク"), on_delete=models.CASCADE, related_name="entries"
    )
    system = models.ForeignKey(
        TargetSystem,
        verbose_name=_("対象システム"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    planned_start = models.DateField(_("計画開始"), null=True, blank=True)
    planned_end = models.DateField(_("計画終了"), null=True, blank=True)
    actual_start = models.DateField(_("実績開始"), null=True, blank=True)
    actual_end = models.DateField(_("実績終了"), null=True, blank=True)
    status = models.CharField(
        _("状況"), max_length=16, choices=Status.choices, default=Status.NOT_STARTED
    )
    not_applicable_reason = models.TextField(_("対象外の理由"), blank=True)
    progress = models.PositiveSmallIntegerField(_("進捗率（%）"), default=0)
    remarks = models.TextField(_("備考"), blank=True)
    completion = models.JSONField(_("完了時の入力項目"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("版"), default=1)
    next_check_on = models.DateField(_("次回判定日"), null=True, blank=True, db_index=True)
    # Set when the organisation retires the entry's target system (kept in the history, so
    # a past date's figures still count it): from that day it is judged and counted no more.
    retired_on = models.DateField(_("廃止日"), null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    history = HistoricalRecords(
        verbose_name=_("計画の履歴"), excluded_fields=["updated_at", "next_check_on"]
    )
    objects = PlanEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("計画")
        verbose_name_plural = _("計画")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "task"],
                condition=Q(system=None),
                name="entry_unique_without_system",
            ),
            models.UniqueConstraint(
                fields=["organization", "task", "system"], name="entry_unique_with_system"
            ),
            models.CheckConstraint(name="entry_progress_percent", condition=Q(progress__lte=100)),
        ]

    def __str__(self) -> str:
        if self.system_id:
            return gettext("%(organization)s %(task)s（%(system)s）") % {
                "organization": self.organization,
                "task": self.task,
                "system": self.system,
            }
        return f"{self.organization} {self.task}"


# Fields a user edits (in the page, the sheet and the admin); the rest are bookkeeping.
EDITABLE_FIELDS = (
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "status",
    "not_applicable_reason",
    "progress",
    "remarks",
    "completion",
)


class Advice(models.Model):
    """Advice (助言) a prefecture admin or a reviewer leaves on an organisation's plan."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("団体"), on_delete=models.CASCADE, related_name="advice"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("プログラム"), on_delete=models.CASCADE, related_name="advice"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("助言者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_organization = models.ForeignKey(
        Organization,
        verbose_name=_("助言した団体"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("助言"))
    created_at = models.DateTimeField(_("日時"), auto_now_add=True)
    # Read and acknowledged by the organisation (until then it is on the organisation's TOP).
    acknowledged_at = models.DateTimeField(_("確認日時"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("確認者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("助言")
        verbose_name_plural = _("助言")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "programme", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.organization}: {self.body[:30]}"


class ImportJob(LeasedJob):
    """An uploaded plan workbook being checked and written (large ones by a Celery worker);
    leased like every job (:mod:`pmo.jobs`)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("団体"), on_delete=models.CASCADE, related_name="+"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("プログラム"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("取込者"), null=True, on_delete=models.SET_NULL
    )
    filename = models.CharField(_("ファイル名"), max_length=255)
    upload = models.BinaryField(_("取込ファイル"))
    marked = models.BinaryField(_("エラー箇所を示したファイル"), null=True, blank=True)
    total = models.PositiveIntegerField(_("行数"), default=0)
    done = models.PositiveIntegerField(_("処理済み"), default=0)
    changed = models.PositiveIntegerField(_("更新件数"), default=0)
    errors = models.JSONField(_("エラー"), default=list, blank=True)
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)

    class Meta(LeasedJob.Meta):
        verbose_name = _("Excel取込")
        verbose_name_plural = _("Excel取込")

    def __str__(self) -> str:
        return f"{self.organization} {self.filename}"

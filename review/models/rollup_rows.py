"""The stored tallies the read model keeps current (:mod:`review.rollups`,
:mod:`review.orgrollups`): what each entry last contributed, per status, per rule and per
organisation.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from actionplan.models import PlanEntry, Programme, Status, WorkItem
from orgs.models import Organization
from review.models.flags import Rule


class EntryState(models.Model):
    """What an entry last contributed to the rollup (so a change is applied as a delta)."""

    entry = models.OneToOneField(
        PlanEntry, primary_key=True, on_delete=models.CASCADE, related_name="review_state"
    )
    # Read by entry only; a programme, work item or prefecture is deleted rarely enough that
    # its cascade may scan, and an index each would be three more writes per entry judged
    # first (1.43M when a programme is published).
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    work_item = models.ForeignKey(
        WorkItem, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    prefecture = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    weight = models.DecimalField(max_digits=8, decimal_places=2)
    # Begun in either sense of :mod:`review.begun` (a planned date or a status; an actual
    # date or work under way), so the rollup counts who hasn't started.
    entered = models.BooleanField(default=False)
    started = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("集計済みの状況")
        verbose_name_plural = _("集計済みの状況")

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.status}"


class StatusRollup(models.Model):
    """Entries and their effort weights per programme × work item × prefecture × status."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="+")
    prefecture = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("状況"), max_length=16, choices=Status.choices)
    entries = models.IntegerField(_("件数"), default=0)
    weight = models.DecimalField(_("工数の重みの合計"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("状況の集計")
        verbose_name_plural = _("状況の集計")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "work_item", "prefecture", "status"],
                name="statusrollup_cell_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.work_item_id}/{self.prefecture_id}/{self.status}: {self.entries}"


class RuleRollup(models.Model):
    """Open flags per programme × work item × prefecture × rule (approved ones apart)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="+")
    prefecture = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(_("遅延の種類"), max_length=20, choices=Rule.choices)
    flags = models.IntegerField(_("件数"), default=0)
    significant = models.IntegerField(_("要フォローアップ"), default=0)
    approved = models.IntegerField(_("承認済み"), default=0)

    class Meta:
        verbose_name = _("遅延の集計")
        verbose_name_plural = _("遅延の集計")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "work_item", "prefecture", "rule"],
                name="rulerollup_cell_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.work_item_id}/{self.prefecture_id}/{self.rule}: {self.flags}"


class OrganizationRollup(models.Model):
    """One organisation's figures per programme × work item: its counted entries and its open
    flags (all, 要フォローアップ, approved, and per rule), with the prefecture it is counted
    under copied here so a prefecture's organisations are one index range.

    Kept current by :mod:`review.flag_rows` in the transaction of every judgement, as deltas
    (like :class:`StatusRollup`), except the worst days late, which a removal can lower: the
    touched cells read it again from their open flags. Today's worst is
    ``max(worst_days, today − worst_since)`` (:func:`review.orgrollups.worst`): the fixed
    counts' maximum and the earliest ``since`` of the counts that grow with the date.
    Rebuilt from scratch by :func:`review.orgrollups.rebuild` (``manage.py rebuild_rollups``).
    """

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        Organization, verbose_name=_("団体"), on_delete=models.CASCADE, related_name="+"
    )
    prefecture = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    entries = models.IntegerField(_("対象の計画（行）"), default=0)
    finished = models.IntegerField(_("完了・対象外（行）"), default=0)
    entered = models.IntegerField(_("計画を入力した行"), default=0)
    started = models.IntegerField(_("着手した行"), default=0)
    flags = models.IntegerField(_("遅延"), default=0)
    significant = models.IntegerField(_("要フォローアップ"), default=0)
    approved = models.IntegerField(_("承認済み"), default=0)
    # Open flags per rule, and those of them needing a follow-up (the report lists the
    # rules an organisation needs a follow-up for).
    no_plan = models.IntegerField(default=0)
    plan_after = models.IntegerField(default=0)
    start_overdue = models.IntegerField(default=0)
    end_overdue = models.IntegerField(default=0)
    milestone_missed = models.IntegerField(default=0)
    no_plan_significant = models.IntegerField(default=0)
    plan_after_significant = models.IntegerField(default=0)
    start_overdue_significant = models.IntegerField(default=0)
    end_overdue_significant = models.IntegerField(default=0)
    milestone_missed_significant = models.IntegerField(default=0)
    # The largest fixed days late, and the earliest since.toordinal() of the growing ones.
    worst_days = models.IntegerField(null=True, blank=True)
    worst_since = models.IntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("団体別の集計")
        verbose_name_plural = _("団体別の集計")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "work_item", "organization"],
                name="organizationrollup_cell_unique",
            )
        ]
        indexes = [
            models.Index(fields=["programme", "prefecture"], name="orgrollup_prefecture"),
            models.Index(fields=["programme", "organization"], name="orgrollup_organization"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.work_item_id}: {self.flags}"

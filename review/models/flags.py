"""Delay flags and the approved exceptions that answer them: what judging
(:mod:`review.judging`) writes and a ministry approves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from actionplan.models import PlanEntry, Task, WorkItem
from orgs.models import Organization
from review import rules


class Rule(models.TextChoices):
    NO_PLAN = rules.NO_PLAN, _(rules.RULE_LABELS[rules.NO_PLAN])
    PLAN_AFTER_MILESTONE = (
        rules.PLAN_AFTER_MILESTONE,
        _(rules.RULE_LABELS[rules.PLAN_AFTER_MILESTONE]),
    )
    START_OVERDUE = rules.START_OVERDUE, _(rules.RULE_LABELS[rules.START_OVERDUE])
    END_OVERDUE = rules.END_OVERDUE, _(rules.RULE_LABELS[rules.END_OVERDUE])
    MILESTONE_MISSED = rules.MILESTONE_MISSED, _(rules.RULE_LABELS[rules.MILESTONE_MISSED])


# The review's two words about a flag, written once. Open: not resolved. Needing a follow-up:
# late long enough to count (``significant``, set by judging) and not covered by an approval.
OPEN = Q(resolved_at=None)
NEEDS_FOLLOW_UP = Q(significant=True, approved=False)
# The two kinds of open flag: counting days from ``since`` (growing) or a stored count.
GROWING = {"since_ordinal__isnull": False}
FIXED = {"since_ordinal": None}


class DelayFlagQuerySet(models.QuerySet):
    def open(self) -> DelayFlagQuerySet:
        return self.filter(OPEN)

    def needing_follow_up(self) -> DelayFlagQuerySet:
        """Open or not: chain :meth:`open` for the flags a ministry should follow up now."""
        return self.filter(NEEDS_FOLLOW_UP)


class DelayFlag(models.Model):
    """One rule that holds (or held) for one entry. At most one open flag per entry and rule.

    ``days_late`` is the count when the entry was last judged; for flags whose count grows
    with the date, ``since`` is the day it runs from and the current count is today − since.
    ``last_seen`` is the last day a judgement confirmed the flag (the nightly job looks only
    at entries whose judgement can change, so a steady flag is not touched every night).
    """

    entry = models.ForeignKey(
        PlanEntry, verbose_name=_("計画"), on_delete=models.CASCADE, related_name="delay_flags"
    )
    # Indexed by the composite indexes below, which all lead with it (a single-column index
    # as well would be one more write per flag raised: 1.34M when a programme is published).
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("団体"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    work_item = models.ForeignKey(
        WorkItem, verbose_name=_("作業項目"), on_delete=models.CASCADE, related_name="+"
    )
    # The prefecture the organisation is counted under (itself for a prefecture), copied so
    # that a prefecture's flags are one index range, not an OR across a join.
    prefecture = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the partial index on open flags below
    )
    # The organisation's code, copied so that the late list's orders that break ties by
    # it (days late, first seen) are index orders, not a sort of every open flag after a
    # join (:mod:`review.index_orders`). A JIS code names its organisation: it is not edited.
    organization_code = models.CharField(max_length=32, default="", editable=False)
    rule = models.CharField(_("遅延の種類"), max_length=20, choices=Rule.choices)
    days_late = models.IntegerField(_("遅延日数"))
    since = models.DateField(_("起算日"), null=True, blank=True)
    # since.toordinal(): lets SQL compute today's days late (today − since) on any backend.
    since_ordinal = models.IntegerField(null=True, blank=True, editable=False)
    significant = models.BooleanField(_("要フォローアップ"), default=False)
    significant_since = models.DateField(_("要フォローアップとなった日"), null=True, blank=True)
    approved = models.BooleanField(_("承認済みの遅延"), default=False)
    first_seen = models.DateField(_("初回検出日"))
    last_seen = models.DateField(_("最終確認日"))
    resolved_at = models.DateField(_("解消日"), null=True, blank=True)
    # The day a digest reported it (None: not yet; only significant, unexplained flags).
    notified_on = models.DateField(_("通知日"), null=True, blank=True)

    objects = DelayFlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("遅延")
        verbose_name_plural = _("遅延")
        ordering = ["organization", "entry", "rule"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "rule"],
                condition=Q(resolved_at=None),
                name="delayflag_one_open_per_rule",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "resolved_at"]),
            models.Index(fields=["resolved_at", "first_seen"]),
            # Only the flags a digest has still to report: the nightly job reads these, so
            # its cost follows the day's changes, not the number of open flags.
            models.Index(
                fields=["resolved_at", "notified_on", "significant", "approved"],
                name="delayflag_to_notify",
            ),
            # Open flags only (1.34M of them at national scale, resolved ones apart): a
            # prefecture's, and the worst of one organisation's per work item, fixed and
            # growing (the per-organisation rollup reads it again in one probe a cell).
            models.Index(
                fields=["prefecture", "organization"],
                condition=Q(resolved_at=None),
                name="delayflag_open_prefecture",
            ),
            models.Index(
                fields=["organization", "work_item", "-days_late"],
                condition=Q(resolved_at=None, since_ordinal=None),
                name="delayflag_open_worst_days",
            ),
            models.Index(
                fields=["organization", "work_item", "since_ordinal"],
                condition=Q(resolved_at=None, since_ordinal__isnull=False),
                name="delayflag_open_worst_since",
            ),
            # The late list by days late and by first seen (:mod:`review.index_orders`): the open
            # flags in each order, fixed and growing apart, walked from either end. Days
            # late break ties by organisation code then id in both directions, so each
            # direction has its own index (a backward scan reverses every column).
            *(
                models.Index(
                    fields=[key, "organization_code", "id"],
                    include=["organization", "work_item"],
                    condition=Q(resolved_at=None, **kind),
                    name=name,
                )
                for name, key, kind in (
                    ("delayflag_open_most_since", "since_ordinal", GROWING),
                    ("delayflag_open_least_since", "-since_ordinal", GROWING),
                    ("delayflag_open_most_days", "-days_late", FIXED),
                    ("delayflag_open_least_days", "days_late", FIXED),
                    ("delayflag_open_first_seen", "first_seen", {}),
                )
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.get_rule_display()}"


class Reason(models.TextChoices):
    MAINFRAME = "mainframe", _("メインフレーム")
    CUSTOM_BUILT = "custom_built", _("独自開発システム")
    NO_PRODUCT = "no_product", _("対応製品なし")
    VENDOR_CAPACITY = "vendor_capacity", _("ベンダーの対応能力")
    OTHER = "other", _("その他")


class ApprovedException(models.Model):
    """A ministry approved a later date for one organisation's task (the latest approval
    for a task replaces the earlier one). It covers every lateness rule of the task's
    entries (:data:`review.rules.APPROVABLE`): for a per-system task, of the one target
    system named, or of all its systems when ``system`` is empty; an approval naming a
    system takes precedence over the all-systems one for that system."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("団体"), on_delete=models.CASCADE, related_name="+"
    )
    task = models.ForeignKey(
        Task, verbose_name=_("タスク"), on_delete=models.CASCADE, related_name="+"
    )
    system = models.ForeignKey(
        "actionplan.TargetSystem",
        verbose_name=_("対象システム"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("空欄: タスクのすべての対象システム"),
    )
    approved_until = models.DateField(_("承認した期日"))
    reason = models.CharField(_("理由"), max_length=20, choices=Reason.choices)
    note = models.TextField(_("補足"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承認者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by_organization = models.ForeignKey(
        Organization,
        verbose_name=_("承認した府省庁"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("承認日時"), auto_now=True)
    # Read by the organisation (確認しました); until then it is on the organisation's TOP.
    # A new approval of the same task (a later date) is to be read again.
    acknowledged_at = models.DateTimeField(_("団体の確認日時"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("団体の確認者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords(verbose_name=_("承認の履歴"))

    class Meta:
        verbose_name = _("承認済みの期日延長")
        verbose_name_plural = _("承認済みの期日延長")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "task"],
                condition=Q(system=None),
                name="exception_unique",
            ),
            models.UniqueConstraint(
                fields=["organization", "task", "system"], name="exception_unique_system"
            ),
        ]

    def __str__(self) -> str:
        suffix = (
            translation.gettext("（%(name)s）") % {"name": self.system} if self.system_id else ""
        )
        return f"{self.organization} {self.task}{suffix}: {self.approved_until:%Y/%m/%d}"

"""Delay detection and review: flags, approved exceptions, the national rollup, plan checks,
follow-ups and the notification outbox.

Writes go through :mod:`review.services`; the judgement itself is :func:`review.rules.judge`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from actionplan.models import PlanEntry, Programme, Status, Task, WorkItem
from orgs.models import Organization
from pmo.jobs import LeasedJob
from review import rules


class Rule(models.TextChoices):
    NO_PLAN = rules.NO_PLAN, _("計画未入力")
    PLAN_AFTER_MILESTONE = rules.PLAN_AFTER_MILESTONE, _("計画がマイルストーン超過")
    START_OVERDUE = rules.START_OVERDUE, _("開始遅延")
    END_OVERDUE = rules.END_OVERDUE, _("終了遅延")
    MILESTONE_MISSED = rules.MILESTONE_MISSED, _("マイルストーン未達")


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
    organization = models.ForeignKey(
        Organization, verbose_name=_("団体"), on_delete=models.CASCADE, related_name="+"
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


class EntryState(models.Model):
    """What an entry last contributed to the rollup (so a change is applied as a delta)."""

    entry = models.OneToOneField(
        PlanEntry, primary_key=True, on_delete=models.CASCADE, related_name="review_state"
    )
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="+")
    prefecture = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices)
    weight = models.DecimalField(max_digits=8, decimal_places=2)

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

    Kept current by :mod:`review.services` in the transaction of every judgement, as deltas
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


class PlanCheck(models.Model):
    """The check flow: the coordinator checks an organisation's plan first, then routes it to
    the responsible ministries, each of which marks it 適切 or 要修正."""

    class State(models.TextChoices):
        PENDING = "pending", _("総括確認待ち")
        ROUTED = "routed", _("府省庁確認中")
        DONE = "done", _("確認済み")

    organization = models.ForeignKey(
        Organization, verbose_name=_("団体"), on_delete=models.CASCADE, related_name="+"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("プログラム"), on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(_("状態"), max_length=8, choices=State.choices, default=State.PENDING)
    coordinator_comment = models.TextField(_("総括のコメント"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("総括確認者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("総括確認日時"), null=True, blank=True)
    # Read back by as-of pages: the check as it stood on a past date.
    history = HistoricalRecords(verbose_name=_("計画の確認の履歴"))

    class Meta:
        verbose_name = _("計画の確認")
        verbose_name_plural = _("計画の確認")
        constraints = [
            models.UniqueConstraint(fields=["organization", "programme"], name="plancheck_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.get_state_display()}"


class MinistryReview(models.Model):
    class Verdict(models.TextChoices):
        PENDING = "pending", _("未確認")
        APPROPRIATE = "appropriate", _("適切")
        NEEDS_FIX = "needs_fix", _("要修正")

    plan_check = models.ForeignKey(
        PlanCheck, verbose_name=_("計画の確認"), on_delete=models.CASCADE, related_name="reviews"
    )
    ministry = models.ForeignKey(
        Organization, verbose_name=_("府省庁"), on_delete=models.CASCADE, related_name="+"
    )
    verdict = models.CharField(
        _("計画の妥当性"), max_length=12, choices=Verdict.choices, default=Verdict.PENDING
    )
    comment = models.TextField(_("コメント（団体に表示）"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("確認者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("確認日時"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("府省庁の確認の履歴"))

    class Meta:
        verbose_name = _("府省庁の確認")
        verbose_name_plural = _("府省庁の確認")
        ordering = ["ministry__code"]
        constraints = [
            models.UniqueConstraint(fields=["plan_check", "ministry"], name="ministryreview_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ministry_id}: {self.get_verdict_display()}"


class FollowUp(models.Model):
    """A follow-up (フォローアップ) of a significantly late organisation."""

    class Cause(models.TextChoices):
        BUDGET = "budget", _("予算")
        STAFF = "staff", _("人員")
        VENDOR = "vendor", _("ベンダー")
        SYSTEM = "system", _("システム")
        PROCUREMENT = "procurement", _("調達")
        OTHER = "other", _("その他")

    class State(models.TextChoices):
        OPEN = "open", _("対応依頼中")
        ANSWERED = "answered", _("回答あり")
        CLOSED = "closed", _("完了")

    organization = models.ForeignKey(
        Organization, verbose_name=_("団体"), on_delete=models.CASCADE, related_name="+"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("プログラム"), on_delete=models.CASCADE, related_name="+"
    )
    work_item = models.ForeignKey(
        WorkItem,
        verbose_name=_("作業項目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cause = models.CharField(_("原因"), max_length=12, choices=Cause.choices)
    actions = models.TextField(_("対応策"))
    due_on = models.DateField(_("対応期限"))
    state = models.CharField(_("状態"), max_length=8, choices=State.choices, default=State.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("起票者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_by_organization = models.ForeignKey(
        Organization,
        verbose_name=_("起票した団体"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("起票日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("フォローアップの履歴"))

    class Meta:
        verbose_name = _("フォローアップ")
        verbose_name_plural = _("フォローアップ")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "state"])]

    def __str__(self) -> str:
        return f"{self.organization}: {self.get_cause_display()}"


class FollowUpNote(models.Model):
    follow_up = models.ForeignKey(
        FollowUp, verbose_name=_("フォローアップ"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記入者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_organization = models.ForeignKey(
        Organization,
        verbose_name=_("記入した団体"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("フォローアップの記録")
        verbose_name_plural = _("フォローアップの記録")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:30]


class NotificationEvent(models.Model):
    """One digest for one recipient on one day, written before it is sent (an outbox).

    The unique key makes a second run of the job write nothing; a worker claims a row with a
    conditional UPDATE (pending → sending) before sending, so two workers never send the same
    one. A crash between claim and send leaves it ``sending``; it is retried after a while.
    """

    class Kind(models.TextChoices):
        ORGANIZATION = "organization", _("団体")
        PREFECTURE = "prefecture", _("都道府県")
        MINISTRY = "ministry", _("府省庁")
        # Only review events (follow-ups, checks, advice, approvals, reminders) that day.
        NOTICES = "notices", _("通知のまとめ")

    class State(models.TextChoices):
        PENDING = "pending", _("送信待ち")
        SENDING = "sending", _("送信中")
        SENT = "sent", _("送信済み")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("宛先"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    day = models.DateField(_("日付"))
    kind = models.CharField(_("種類"), max_length=12, choices=Kind.choices)
    lines = models.JSONField(_("内容"), default=list)
    state = models.CharField(_("状態"), max_length=8, choices=State.choices, default=State.PENDING)
    claimed_at = models.DateTimeField(_("送信開始"), null=True, blank=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="notification_once_a_day")
        ]
        indexes = [models.Index(fields=["state", "day"])]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.day}: {self.get_state_display()}"


def render_message(message: str, params: dict) -> str:
    """``message`` (a msgid) with ``params`` in the active language. A parameter is a plain
    value (a name, a date: the same in every language) or ``{"msgid": ...}``, a phrase that
    is translated too (a choice's label, 「システム管理者」)."""
    values = {
        name: translation.gettext(value["msgid"]) if isinstance(value, dict) else value
        for name, value in params.items()
    }
    return translation.gettext(message) % values


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


class ReviewEvent(models.Model):
    """One thing that happened in the review loop, written by :mod:`review.events` in the
    transaction of the change, before anyone is told (:class:`Notice` per recipient)."""

    class Kind(models.TextChoices):
        FOLLOW_UP_OPENED = "follow_up_opened", _("フォローアップの起票")
        NOTE_ADDED = "note_added", _("フォローアップへの記録")
        ANSWERED = "answered", _("フォローアップへの回答")
        CLOSED = "closed", _("フォローアップの完了")
        ROUTED = "routed", _("計画の確認依頼")
        VERDICT = "verdict", _("計画の確認結果")
        ADVICE = "advice", _("助言")
        APPROVAL = "approval", _("期日延長の承認")
        REMINDER = "reminder", _("計画入力の督促")
        REVISED = "revised", _("計画の修正の報告")
        SURVEY_REMINDER = "survey_reminder", _("照会への回答の督促")

    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    organization = models.ForeignKey(
        Organization, verbose_name=_("団体"), on_delete=models.CASCADE, related_name="+"
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("プログラム"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作した人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_organization = models.ForeignKey(
        Organization,
        verbose_name=_("操作した団体"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # ``summary`` (and a generated ``body``) as written, in Japanese: for the admin, a search
    # and the rows written before ``message``. Each reader sees :meth:`text`: the message
    # (a msgid) rendered with ``params`` in the reader's language when it is read.
    summary = models.CharField(_("内容"), max_length=300)
    body = models.TextField(_("本文"), blank=True)
    message = models.CharField(_("内容のメッセージ"), max_length=200, blank=True)
    body_message = models.CharField(_("本文のメッセージ"), max_length=200, blank=True)
    params = models.JSONField(_("メッセージの値"), default=dict, blank=True)
    url = models.CharField(_("リンク"), max_length=300)
    day = models.DateField(_("日付"))
    created_at = models.DateTimeField(_("日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("確認・フォローアップの出来事")
        verbose_name_plural = _("確認・フォローアップの出来事")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # At most one reminder per organisation and day, whoever sends it.
            models.UniqueConstraint(
                fields=["organization", "day"],
                condition=Q(kind="reminder"),
                name="reviewevent_one_reminder_a_day",
            )
        ]
        indexes = [models.Index(fields=["organization", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text()}"

    def text(self) -> str:
        """The summary in the active language (the stored one for an event without a message)."""
        return render_message(self.message, self.params) if self.message else self.summary

    def body_text(self) -> str:
        """The body in the active language: a generated one rendered now, a person's as typed."""
        return render_message(self.body_message, self.params) if self.body_message else self.body


class Notice(models.Model):
    """One recipient's share of an event: mailed at once (``mail`` set) or gathered into the
    recipient's daily digest (``digested_on`` set when it goes out). One per event and
    recipient, so nobody gets two mails about one event."""

    event = models.ForeignKey(
        ReviewEvent, verbose_name=_("出来事"), on_delete=models.CASCADE, related_name="notices"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("宛先"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    immediate = models.BooleanField(_("すぐに送信"), default=False)
    mail = models.ForeignKey(
        "outbox.Mail",
        verbose_name=_("メール"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    digested_on = models.DateField(_("まとめて送信した日"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient"], name="notice_once_per_event")
        ]
        indexes = [
            # The digest reads only the notices still waiting for it.
            models.Index(
                fields=["recipient"],
                condition=Q(immediate=False, digested_on=None),
                name="notice_for_digest",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.recipient_id}"

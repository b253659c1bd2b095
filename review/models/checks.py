"""The review workflow's records: plan checks, the ministries' verdicts, follow-ups and their
notes (written by :mod:`review.workflow`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from actionplan.models import Programme, WorkItem
from orgs.models import Organization


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

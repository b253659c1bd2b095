"""What happened in the review loop and who is told: review events, each reader's notices
and the daily digests' outbox. Stored messages are msgids with parameters, rendered in the
reader's language (:func:`render_message`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from actionplan.models import Programme
from orgs.models import Organization


def render_message(message: str, params: dict) -> str:
    """``message`` (a msgid) with ``params`` in the active language. A parameter is a plain
    value (a name, a date: the same in every language) or ``{"msgid": ...}``, a phrase that
    is translated too (a choice's label, 「システム管理者」)."""
    values = {
        name: translation.gettext(value["msgid"]) if isinstance(value, dict) else value
        for name, value in params.items()
    }
    return translation.gettext(message) % values


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

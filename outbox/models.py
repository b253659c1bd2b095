from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MailQuerySet(models.QuerySet):
    def due(self, now):
        """Queued and due: what the sender takes next (the ``outbox_due`` partial index)."""
        return self.filter(state=Mail.State.QUEUED, next_attempt_at__lte=now)


class Mail(models.Model):
    """One outgoing mail, rendered when it was caused and written in the same transaction.

    queued → sending (claimed by one worker, conditional UPDATE) → sent; a failed try goes
    back to queued with a later ``next_attempt_at``, and after the last try to failed.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("送信待ち")
        SENDING = "sending", _("送信中")
        SENT = "sent", _("送信済み")
        FAILED = "failed", _("送信失敗")

    kind = models.CharField(_("種類"), max_length=40)
    to = models.JSONField(_("宛先"), default=list)
    reply_to = models.JSONField(_("返信先"), default=list, blank=True)
    from_email = models.CharField(_("差出人"), max_length=254, blank=True)
    subject = models.TextField(_("件名"))
    body = models.TextField(_("本文"))
    html = models.TextField(_("HTML本文"), blank=True)
    state = models.CharField(_("状態"), max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("試行回数"), default=0)
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField(_("次の送信予定"), default=timezone.now)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("送信開始"), null=True, blank=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    last_error = models.TextField(_("最後のエラー"), blank=True)

    objects = MailQuerySet.as_manager()

    class Meta:
        verbose_name = _("送信メール")
        verbose_name_plural = _("送信メール")
        ordering = ["-created_at"]
        indexes = [
            # The sender's poll reads only queued mail, however many have been sent.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state="queued"),
                name="outbox_due",
            ),
            models.Index(
                fields=["claimed_at"], condition=models.Q(state="sending"), name="outbox_sending"
            ),
            models.Index(fields=["claim"], condition=~models.Q(claim=""), name="outbox_claim"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {', '.join(self.to)}: {self.get_state_display()}"

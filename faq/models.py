"""FAQ entries, helpful votes, searches that found nothing, and inquiries (問い合わせ).

The normalised search columns (``question_norm``, ``answer_norm``), their readings
(``question_reading``, ``answer_reading``), the readings of their words (``question_words``,
``answer_words``) and the FAQ's ``version``,
``updated_at`` and ``updated_by`` are kept by :mod:`faq.services`, never by ``save()``; every
write goes through the service layer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pmo.jobs import UploadJob
from pmo.uploads import generated_name


class WorkItem(models.TextChoices):
    """The work items (作業項目) A–K of the seed's 推奨アクションプラン (実行編)."""

    A = "A", _("A. 計画・準備")
    B = "B", _("B. 既存住基システム改修")
    C = "C", _("C. 団体内統合宛名システム等整備")
    D = "D", _("D. 中間サーバー導入")
    E = "E", _("E. 番号利用事務移行")
    F = "F", _("F. 情報連携対応")
    G = "G", _("G. 既存業務システム改修")
    H = "H", _("H. 安全管理措置")
    I = "I", _("I. 特定個人情報保護評価")  # noqa: E741 - the seed's letter
    J = "J", _("J. 条例制定・改正")
    K = "K", _("K. 総合運用テスト")


class Field(models.TextChoices):
    """分野: the field of administration a question belongs to."""

    COMMON = "common", _("共通")
    PENSION = "pension", _("国民年金")
    WELFARE = "welfare", _("生活保護")
    TAX = "tax", _("地方税")
    RESIDENT = "resident", _("住民基本台帳")
    PORTAL = "portal", _("デジタルPMO")


class FAQQuerySet(models.QuerySet):
    def published(self) -> FAQQuerySet:
        return self.filter(is_published=True)


class FAQ(models.Model):
    number = models.CharField(
        _("番号"), max_length=16, unique=True, blank=True, help_text=_("空欄なら自動で採番します")
    )
    question = models.TextField(_("質問"), max_length=1000)
    answer = models.TextField(_("回答"), help_text=_("段落・箇条書き・リンクが使えます"))
    work_item = models.CharField(_("作業項目"), max_length=1, choices=WorkItem.choices, blank=True)
    field = models.CharField(_("分野"), max_length=16, choices=Field.choices, blank=True)
    topic = models.CharField(_("トピック"), max_length=100, blank=True)
    updated_on = models.DateField(_("最終更新日"), default=timezone.localdate)
    related_documents = models.JSONField(
        _("関連資料"),
        default=list,
        blank=True,
        help_text=_('[{"title": "資料名", "url": "/documents/…"}] の形式'),
    )
    related = models.ManyToManyField(
        "self", verbose_name=_("関連するFAQ"), symmetrical=False, blank=True
    )
    view_count = models.PositiveIntegerField(_("閲覧数"), default=0)
    helpful_count = models.PositiveIntegerField(_("役に立った"), default=0)
    is_published = models.BooleanField(_("公開"), default=True)
    question_norm = models.TextField(editable=False, default="")
    answer_norm = models.TextField(editable=False, default="")
    # The same text read in kana (faq.normalize.reading), so ねんきん finds 年金.
    question_reading = models.TextField(editable=False, default="")
    answer_reading = models.TextField(editable=False, default="")
    # The reading of each word, space separated (faq.normalize.read): ぜい finds 税金 (ぜいきん),
    # a word that starts with it, through a GIN index (Postgres) instead of a scan.
    question_words = models.TextField(editable=False, default="")
    answer_words = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)
    # Who saved it last and when (any path: portal, import, admin); null before this was kept.
    # ``version`` is bumped on every save, so an edit based on an older one can be refused.
    updated_at = models.DateTimeField(_("更新日時"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版"), default=1)

    objects = FAQQuerySet.as_manager()

    class Meta:
        verbose_name = _("FAQ")
        verbose_name_plural = _("FAQ")
        ordering = ["number"]
        indexes = [
            models.Index(fields=["-view_count"], name="faq_most_viewed"),
            models.Index(fields=["-updated_on", "-id"], name="faq_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.question[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("faq:detail", args=[self.number])


class FAQVote(models.Model):
    """One 役に立った per user and FAQ."""

    faq = models.ForeignKey(FAQ, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("役に立った")
        verbose_name_plural = _("役に立った")
        constraints = [models.UniqueConstraint(fields=["faq", "user"], name="one_vote_per_user")]

    def __str__(self) -> str:
        return f"{self.faq_id}:{self.user_id}"


class SearchMiss(models.Model):
    """A normalised query that found no FAQ, and how often it was asked."""

    query_norm = models.CharField(_("検索語（正規化）"), max_length=200, unique=True)
    example = models.CharField(_("入力例"), max_length=200)
    count = models.PositiveIntegerField(_("回数"), default=1)
    first_seen = models.DateTimeField(_("初回"), default=timezone.now)
    last_seen = models.DateTimeField(_("最終"), default=timezone.now)

    class Meta:
        verbose_name = _("該当なしの検索")
        verbose_name_plural = _("該当なしの検索")
        ordering = ["-count", "-last_seen"]

    def __str__(self) -> str:
        return f"{self.query_norm} ({self.count})"


class InquiryStatus(models.TextChoices):
    RECEIVED = "received", _("受付")
    ASSIGNED = "assigned", _("担当割当")
    ANSWERED = "answered", _("回答済")
    CLOSED = "closed", _("完了")


class Inquiry(models.Model):
    """A question not answered by the FAQ, from one user of one organisation."""

    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("団体"),
        on_delete=models.PROTECT,
        related_name="inquiries",
    )
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("質問者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="inquiries",
    )
    subject = models.CharField(_("件名"), max_length=200)
    body = models.TextField(_("質問内容"), max_length=4000)
    work_item = models.CharField(_("作業項目"), max_length=1, choices=WorkItem.choices, blank=True)
    field = models.CharField(_("分野"), max_length=16, choices=Field.choices, blank=True)
    status = models.CharField(
        _("状態"),
        max_length=16,
        choices=InquiryStatus.choices,
        default=InquiryStatus.RECEIVED,
        db_index=True,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("担当者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_inquiries",
    )
    answer = models.TextField(_("回答"), blank=True, max_length=8000)
    published_faq = models.ForeignKey(
        FAQ,
        verbose_name=_("公開したFAQ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_inquiries",
    )
    created_at = models.DateTimeField(_("受付日時"), default=timezone.now, db_index=True)
    assigned_at = models.DateTimeField(_("担当割当日時"), null=True, blank=True)
    answered_at = models.DateTimeField(_("回答日時"), null=True, blank=True)
    closed_at = models.DateTimeField(_("完了日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("問い合わせ")
        verbose_name_plural = _("問い合わせ")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("faq:inquiry_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"Q-{self.pk:05d}" if self.pk else gettext("Q-新規")


def attachment_path(instance: InquiryAttachment, filename: str) -> str:
    # A random name by the portal's upload rules; the user's name is kept in a column.
    return generated_name(filename, folder="inquiries")


class InquiryAttachment(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("ファイル"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("元のファイル名"), max_length=255)
    size = models.PositiveBigIntegerField(_("サイズ"), default=0)
    content_type = models.CharField(_("種類"), max_length=100, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class FAQImportJob(UploadJob):
    """An FAQ sheet too large for the request, checked and imported by a worker, all or
    nothing; leased like every job (:mod:`pmo.jobs`). A job is its requester's own."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("取込者"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created = models.PositiveIntegerField(_("新規"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)

    class Meta(UploadJob.Meta):
        verbose_name = _("FAQの取込")
        verbose_name_plural = _("FAQの取込")

    def __str__(self) -> str:
        return f"{self.requester} {self.filename}"

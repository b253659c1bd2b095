"""Surveys (照会・調査): a survey, its questions, one response per organisation, its answers.

Who the survey asks is its audience, by the same rules as documents
(:func:`documents.scopes.audience_rule` and :func:`documents.scopes.audience_members`),
limited to local governments, and for a prefecture's survey to its own municipalities.
Who sees what is decided in :mod:`surveys.scopes`; every write is in :mod:`surveys.services`
(design) or :mod:`surveys.answering` (responses).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import Audience
from pmo import questions as kinds
from pmo.jobs import LeasedJob
from pmo.questions import normal_number as _normal
from surveys import tally


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    PUBLISHED = "published", _("公開中")


class Survey(models.Model):
    issuer = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("照会元"),
        on_delete=models.PROTECT,
        related_name="issued_surveys",
    )
    title = models.CharField(_("件名"), max_length=200)
    purpose = models.TextField(_("照会の趣旨"), blank=True)
    documents = models.ManyToManyField(
        "documents.Document", verbose_name=_("参考資料"), blank=True, related_name="surveys"
    )
    audience = models.CharField(
        _("照会先"), max_length=16, choices=Audience.choices, default=Audience.MUNICIPALITIES
    )
    organizations = models.ManyToManyField(
        "orgs.Organization",
        verbose_name=_("照会先の団体"),
        blank=True,
        related_name="named_surveys",
    )
    audience_classes = models.CharField(_("照会先の区分"), max_length=120, blank=True)
    opens_on = models.DateField(_("回答開始日"))
    closes_on = models.DateField(_("回答期限"))
    via_prefectures = models.BooleanField(
        _("都道府県経由"),
        default=False,
        help_text=_("市区町村の回答を都道府県が確認し、取りまとめてから照会元に届けます。"),
    )
    status = models.CharField(
        _("状態"), max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    published_at = models.DateTimeField(_("公開日時"), null=True, blank=True)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("複製元"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("照会・調査")
        verbose_name_plural = _("照会・調査")
        ordering = ["-opens_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("surveys:detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == SurveyStatus.PUBLISHED


class Question(models.Model):
    survey = models.ForeignKey(
        Survey, verbose_name=_("照会・調査"), on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveIntegerField(_("表示順"), default=0)
    kind = models.CharField(_("種類"), max_length=16, choices=kinds.Kind.choices)
    text = models.CharField(_("質問"), max_length=500)
    help_text = models.TextField(_("説明"), blank=True)
    required = models.BooleanField(_("回答必須"), default=False)
    choices = models.TextField(_("選択肢"), blank=True, help_text=_("1行に1つずつ入力します。"))
    unit = models.CharField(_("単位"), max_length=20, blank=True)
    min_value = models.DecimalField(
        _("最小値"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("最大値"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    # A table question's columns: [{"label", "kind", "required", "choices": [...], "unit",
    # "min_value", "max_value"}]; columns are of the other kinds.
    columns = models.JSONField(_("表の列"), default=list, blank=True)
    shown_if = models.ForeignKey(
        "self",
        verbose_name=_("表示する条件の質問"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    shown_value = models.CharField(_("表示する条件の回答"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("質問")
        verbose_name_plural = _("質問")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def choice_list(self) -> tuple[str, ...]:
        return kinds.parse_choices(self.choices)

    def spec(self) -> kinds.Spec:
        return kinds.Spec(
            kind=self.kind,
            label=self.text,
            required=self.required,
            choices=self.choice_list,
            unit=self.unit,
            min_value=_normal(self.min_value),
            max_value=_normal(self.max_value),
            columns=tuple(column_spec(column) for column in self.columns or []),
        )

    def condition(self) -> kinds.Condition | None:
        if self.shown_if_id is None:
            return None
        return kinds.Condition(depends_on=self.shown_if_id, value=self.shown_value)


def column_spec(column: dict) -> kinds.Spec:
    def number(name: str) -> Decimal | None:
        value = column.get(name)
        return None if value in (None, "") else _normal(Decimal(str(value)))

    return kinds.Spec(
        kind=column.get("kind", kinds.Kind.SHORT_TEXT),
        label=column.get("label", ""),
        required=bool(column.get("required")),
        choices=tuple(column.get("choices") or ()),
        unit=column.get("unit", ""),
        min_value=number("min_value"),
        max_value=number("max_value"),
    )


class ResponseStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未着手")
    DRAFT = "draft", _("回答中（下書き）")
    SUBMITTED = "submitted", _("提出済み")
    RETURNED = "returned", _("差戻し")


class Response(models.Model):
    """The one answer of an organisation to a survey; any of its staff may continue it."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("照会・調査"), on_delete=models.CASCADE, related_name="responses"
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("回答団体"),
        on_delete=models.PROTECT,
        related_name="survey_responses",
    )
    status = models.CharField(
        _("状態"),
        max_length=16,
        choices=ResponseStatus.choices,
        default=ResponseStatus.NOT_STARTED,
        db_index=True,
    )
    revision = models.PositiveIntegerField(_("提出回数"), default=0)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最終更新者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新日時"), default=timezone.now)
    reopened = models.BooleanField(
        _("期限後の回答を許可"),
        default=False,
        help_text=_("照会元が、締切後もこの団体の回答・修正を受け付けます。"),
    )
    relay_comment = models.TextField(_("都道府県からのコメント"), blank=True)

    class Meta:
        verbose_name = _("回答")
        verbose_name_plural = _("回答")
        ordering = ["organization__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "organization"], name="survey_response_per_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} / {self.organization}"

    def get_absolute_url(self) -> str:
        return reverse("surveys:answer", args=[self.survey_id, self.organization.code])


class Answer(models.Model):
    response = models.ForeignKey(
        Response, verbose_name=_("回答"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("質問"), on_delete=models.CASCADE, related_name="answers"
    )
    value = models.JSONField(_("回答値"), null=True, blank=True)

    class Meta:
        verbose_name = _("回答値")
        verbose_name_plural = _("回答値")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.value}"


class Revision(models.Model):
    """Each submission of a response, kept: who submitted which values when."""

    response = models.ForeignKey(
        Response, verbose_name=_("回答"), on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("版"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提出日時"), default=timezone.now)
    values = models.JSONField(_("回答値"), default=dict)

    class Meta:
        verbose_name = _("提出の履歴")
        verbose_name_plural = _("提出の履歴")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["response", "number"], name="survey_revision_number"),
        ]

    def __str__(self) -> str:
        return f"{self.response} #{self.number}"


class ResultValue(models.Model):
    """A submitted answer as the results count it (:mod:`surveys.tally`): written with each
    submission by :func:`surveys.answering.save_answers`, so the results page groups and counts
    in the database instead of reading every organisation's answers. A row holds from its
    submission until the next one (``superseded_at``), so the results as of any past day are
    the rows that held at the end of it."""

    response = models.ForeignKey(
        Response, verbose_name=_("回答"), on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("質問"), on_delete=models.CASCADE, related_name="+"
    )
    choice = models.TextField(_("選択肢"), blank=True)
    number = models.DecimalField(
        _("数値"), max_digits=tally.DIGITS, decimal_places=tally.PLACES, null=True, blank=True
    )
    first = models.BooleanField(_("回答の最初の行"), default=True)
    submitted_at = models.DateTimeField(_("提出日時"))
    superseded_at = models.DateTimeField(_("次の提出日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("集計用の回答値")
        verbose_name_plural = _("集計用の回答値")
        indexes = [
            models.Index(
                fields=["response", "question"],
                condition=models.Q(superseded_at__isnull=True),
                name="resultvalue_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.choice or self.number}"


class Batch(models.Model):
    """A prefecture's confirmation (取りまとめ) of its municipalities' responses."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("照会・調査"), on_delete=models.CASCADE, related_name="batches"
    )
    prefecture = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("都道府県"),
        on_delete=models.PROTECT,
        related_name="survey_batches",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("取りまとめ者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("取りまとめ日時"), default=timezone.now)

    class Meta:
        verbose_name = _("都道府県の取りまとめ")
        verbose_name_plural = _("都道府県の取りまとめ")
        constraints = [
            models.UniqueConstraint(fields=["survey", "prefecture"], name="survey_batch_once"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} / {self.prefecture}"


class ResultsJob(LeasedJob):
    """The results workbook of a survey being built by a worker, with progress; leased like
    every job (:mod:`pmo.jobs`). A job is its requester's own."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("依頼者"), on_delete=models.CASCADE
    )
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    result = models.BinaryField(_("集計表"), null=True, blank=True)

    class Meta(LeasedJob.Meta):
        verbose_name = _("集計表の作成")
        verbose_name_plural = _("集計表の作成")

    def __str__(self) -> str:
        return f"{self.survey}: {self.get_state_display()}"

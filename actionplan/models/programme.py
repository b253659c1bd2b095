"""A programme's definition: programmes → work items (A–K) → tasks → milestones, the completion
items a task asks for, and the target systems (per-system tasks, G).

Everything that varies between programmes is data: which organisation kinds a work item applies
to, milestones per kind or municipality class, dependencies, effort weights, completion items.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from actionplan import rules
from orgs.models import MunicipalityClass, Organization, OrganizationKind
from pmo import questions


class Programme(models.Model):
    name = models.CharField(_("名称"), max_length=200, unique=True)
    starts_on = models.DateField(_("期間（開始）"))
    ends_on = models.DateField(_("期間（終了）"))
    plan_deadline = models.DateField(_("計画入力期限"))
    significant_delay_days = models.PositiveIntegerField(
        _("大幅遅延とみなす日数"),
        default=30,
        help_text=_("この日数以上の遅延でフォローアップ対象（要フォローアップ）とする"),
    )
    is_active = models.BooleanField(_("有効"), default=True)
    # Set once by actionplan.publishing.publish: from then on every applicable organisation has
    # its entries (and organisations, tasks and target systems added later get theirs).
    published_at = models.DateTimeField(
        _("公開日時"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("公開すると、対象のすべての団体に計画の行が作られます"),
    )

    class Meta:
        verbose_name = _("プログラム")
        verbose_name_plural = _("プログラム")
        ordering = ["starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                name="programme_span_ordered", condition=Q(ends_on__gte=models.F("starts_on"))
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def is_open(self, today: dt.date) -> bool:
        """Open: published, 有効 (``is_active``) and its period not over on ``today``. Pages
        show the newest open programme by default; closed ones stay readable by their URL."""
        return self.is_published and self.is_active and self.ends_on >= today


class WorkItem(models.Model):
    """One work item (作業項目) such as ``B. 既存住基システム改修``."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("プログラム"), on_delete=models.CASCADE, related_name="work_items"
    )
    code = models.CharField(_("記号"), max_length=8)
    name = models.CharField(_("作業項目"), max_length=200)
    response = models.TextField(_("対応事項"), blank=True)
    notes = models.TextField(_("特記事項"), blank=True)
    # Empty list = every organisation kind. B lists only municipalities.
    applies_to = models.JSONField(
        _("対象団体種別"),
        default=list,
        blank=True,
        help_text=_('空なら全団体。例: ["municipality"]'),
    )
    responsible_bureaus = models.ManyToManyField(
        Organization,
        verbose_name=_("担当府省庁（取り纏め部局）"),
        blank=True,
        related_name="responsible_work_items",
        limit_choices_to={"kind": OrganizationKind.MINISTRY},
    )
    order = models.PositiveIntegerField(_("並び順"), default=0)

    class Meta:
        verbose_name = _("作業項目")
        verbose_name_plural = _("作業項目")
        ordering = ["programme", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="workitem_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class Task(models.Model):
    work_item = models.ForeignKey(
        WorkItem, verbose_name=_("作業項目"), on_delete=models.CASCADE, related_name="tasks"
    )
    name = models.CharField(_("タスク"), max_length=200)
    order = models.PositiveIntegerField(_("並び順"), default=0)
    weight = models.DecimalField(_("工数の重み"), max_digits=6, decimal_places=2, default=1)
    per_system = models.BooleanField(
        _("対象システムごと"), default=False, help_text=_("G のように対象システムごとに入力する")
    )
    needs_procurement = models.BooleanField(_("調達が必要"), default=True)
    # Narrower than the work item's applicability when set (empty = as the work item).
    applies_to = models.JSONField(_("対象団体種別"), default=list, blank=True)
    depends_on = models.ManyToManyField(
        "self",
        verbose_name=_("前提タスク"),
        symmetrical=False,
        blank=True,
        related_name="dependents",
    )

    class Meta:
        verbose_name = _("タスク")
        verbose_name_plural = _("タスク")
        ordering = ["work_item__order", "work_item__code", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["work_item", "name"], name="task_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.work_item.code}. {self.name}"

    @property
    def applicable_kinds(self) -> list[str]:
        return list(self.applies_to or self.work_item.applies_to or [])


class Milestone(models.Model):
    """A national deadline for a task; the most specific one for an organisation wins
    (municipality class, then organisation kind, then the default with both blank)."""

    task = models.ForeignKey(
        Task, verbose_name=_("タスク"), on_delete=models.CASCADE, related_name="milestones"
    )
    due_on = models.DateField(_("マイルストーン"))
    organization_kind = models.CharField(
        _("団体種別"), max_length=16, choices=OrganizationKind.choices, blank=True
    )
    municipality_class = models.CharField(
        _("市区町村の区分"), max_length=16, choices=MunicipalityClass.choices, blank=True
    )
    label = models.CharField(_("説明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("マイルストーン")
        verbose_name_plural = _("マイルストーン")
        ordering = ["task", "due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "organization_kind", "municipality_class"],
                name="milestone_scope_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}: {self.due_on:%Y/%m/%d}"


class CompletionItem(models.Model):
    """One question the ministry asks when a task is completed: of the survey desk's kinds
    (:mod:`pmo.questions`, one implementation), a table aside."""

    Kind = questions.Kind
    KINDS = [(kind.value, kind.label) for kind in questions.COLUMN_KINDS]

    task = models.ForeignKey(
        Task, verbose_name=_("タスク"), on_delete=models.CASCADE, related_name="completion_items"
    )
    label = models.CharField(_("項目"), max_length=200)
    kind = models.CharField(_("種類"), max_length=16, choices=KINDS, default=Kind.LONG_TEXT)
    choices = models.TextField(
        _("選択肢"), blank=True, help_text=_("1行に1つ（種類が単一選択・複数選択のとき）")
    )
    required = models.BooleanField(_("必須"), default=True)
    unit = models.CharField(_("単位"), max_length=20, blank=True)
    min_value = models.DecimalField(
        _("最小値"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("最大値"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    order = models.PositiveIntegerField(_("並び順"), default=0)

    class Meta:
        verbose_name = _("完了時の入力項目")
        verbose_name_plural = _("完了時の入力項目")
        ordering = ["task", "order", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def question(self, *, required: bool | None = None) -> rules.Question:
        """The item as the rules read it (``required`` overrides the item's own)."""
        return rules.Question(
            key=str(self.pk),
            label=self.label,
            kind=self.kind,
            required=self.required if required is None else required,
            choices=tuple(self.choice_list),
            unit=self.unit,
            min_value=self.min_value,
            max_value=self.max_value,
        )

    def clean(self) -> None:
        if problems := questions.spec_errors(self.question().spec):
            raise ValidationError(problems)


class TargetSystem(models.Model):
    """A business system that G's tasks are entered for. Shared ones have no organisation."""

    name = models.CharField(_("システム名"), max_length=100)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("団体（独自システム）"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="own_systems",
    )
    order = models.PositiveIntegerField(_("並び順"), default=1000)

    class Meta:
        verbose_name = _("対象システム")
        verbose_name_plural = _("対象システム")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(organization=None), name="shared_system_unique"
            ),
            models.UniqueConstraint(fields=["organization", "name"], name="own_system_unique"),
        ]

    def __str__(self) -> str:
        return self.name

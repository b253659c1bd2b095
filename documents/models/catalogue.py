"""The procedures catalogue (別表第1 procedures, 別表第2 linkages), filtered by municipality class
and searched by reading, and the job that imports its workbook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from documents import rules
from documents.models.library import Document
from faq.normalize import variants
from orgs.models import MunicipalityClass
from pmo.jobs import UploadJob

if TYPE_CHECKING:
    pass


class ProcedureField(models.Model):
    """A field of social security and tax (生活保護, 国民年金…)."""

    name = models.CharField(_("分野"), max_length=50, unique=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)

    class Meta:
        verbose_name = _("分野")
        verbose_name_plural = _("分野")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


def _classes_field():
    return models.CharField(
        _("対象となる市区町村の区分"),
        max_length=120,
        blank=True,
        help_text=_("区分コードを「,」で囲んで並べたもの（空はすべての区分）。"),
    )


class CatalogueQuerySet(models.QuerySet):
    def search(self, value: str, *fields: str) -> CatalogueQuerySet:
        """``value`` in one of ``fields`` (as typed, any case) or in the row's reading, as
        written or read (ねんきん finds 年金)."""
        value = value.strip()
        found = Q()
        for name in fields:
            found |= Q(**{f"{name}__icontains": value})
        for text in variants(rules.normalize(value)):
            found |= Q(search_reading__contains=text)
        return self.filter(found)


class ClassesMixin(models.Model):
    """Which municipality classes a row applies to, stored ``,city,town,`` for one-query filters.

    Also the reading (kana) of the row's searched text, kept by
    :func:`documents.services.refresh_catalogue_readings`."""

    municipality_classes = _classes_field()
    search_reading = models.TextField(_("検索用よみ"), blank=True, editable=False)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def class_codes(self) -> list[str]:
        return [code for code in self.municipality_classes.split(",") if code]

    def reading_source(self) -> str:
        """The text the list searches in (and so reads): name and usage, or the linkage's."""
        raise NotImplementedError

    def class_labels(self) -> str:
        labels = dict(MunicipalityClass.choices)
        return gettext("、").join(str(labels[c]) for c in self.class_codes if c in labels) or str(
            _("すべて")
        )

    @staticmethod
    def encode_classes(codes: list[str]) -> str:
        if not codes or set(codes) >= set(MunicipalityClass.values):
            return ""
        return "," + ",".join(c for c in MunicipalityClass.values if c in codes) + ","


class Procedure(ClassesMixin):
    """番号法 別表第1: an administrative procedure that uses the number, and who uses it."""

    number = models.CharField(_("項番"), max_length=20, unique=True)
    field = models.ForeignKey(
        ProcedureField, verbose_name=_("分野"), on_delete=models.PROTECT, related_name="procedures"
    )
    name = models.CharField(_("事務・手続"), max_length=300)
    body = models.CharField(_("個人番号利用事務実施者"), max_length=200)
    usage = models.TextField(_("マイナンバーの利用"), blank=True)
    documents = models.ManyToManyField(
        Document, verbose_name=_("関連資料"), blank=True, related_name="procedures"
    )

    class Meta:
        verbose_name = _("番号利用事務（別表第1）")
        verbose_name_plural = _("番号利用事務（別表第1）")
        ordering = ["field__order", "number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def reading_source(self) -> str:
        return f"{self.name} {self.usage}"


class Linkage(ClassesMixin):
    """番号法 別表第2: inquirer, procedure, provider and the specific personal information."""

    number = models.CharField(_("項番"), max_length=20)
    field = models.ForeignKey(
        ProcedureField, verbose_name=_("分野"), on_delete=models.PROTECT, related_name="linkages"
    )
    inquirer = models.CharField(_("情報照会者"), max_length=200)
    procedure_name = models.CharField(_("事務・手続"), max_length=300)
    provider = models.CharField(_("情報提供者"), max_length=200)
    information = models.CharField(_("特定個人情報"), max_length=300)
    documents = models.ManyToManyField(
        Document, verbose_name=_("関連資料"), blank=True, related_name="linkages"
    )

    class Meta:
        verbose_name = _("情報連携（別表第2）")
        verbose_name_plural = _("情報連携（別表第2）")
        ordering = ["field__order", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["number", "inquirer", "provider", "information"], name="linkage_unique_row"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.inquirer} ← {self.provider}"

    def reading_source(self) -> str:
        return f"{self.procedure_name} {self.information}"


class CatalogueImportJob(UploadJob):
    """A procedures-catalogue workbook too large for the request, checked and imported by a
    worker, all or nothing; leased like every job (:mod:`pmo.jobs`). A job is its requester's
    own."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("取込者"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    procedures = models.PositiveIntegerField(_("別表第1の行数"), default=0)
    linkages = models.PositiveIntegerField(_("別表第2の行数"), default=0)

    class Meta(UploadJob.Meta):
        verbose_name = _("事務・手続の取込")
        verbose_name_plural = _("事務・手続の取込")

    def __str__(self) -> str:
        return f"{self.requester} {self.filename}"

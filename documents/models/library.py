"""The document library: categories, tags, documents and their files.

Who may see a document is decided in one place, :mod:`documents.scopes` (registered with
``accounts.permissions``): its status, its audience (everyone, prefectures, municipalities,
named organisations) and the user's role. Named organisations are an M2M on the document
rather than django-guardian grants: the audience is a property of the document that the editor
sets on its form and the list filters on in one subquery, not an exception to a user's role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents import rules
from faq.normalize import variants
from orgs.models import MunicipalityClass
from pmo.uploads import generated_name

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Category(models.Model):
    """A node of the category tree (共通資料; 各制度所管部局からの提示資料 → 国民年金分野)."""

    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上位カテゴリ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("表示順"), default=0)

    class Meta:
        verbose_name = _("カテゴリ")
        verbose_name_plural = _("カテゴリ")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("タグ"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("タグ")
        verbose_name_plural = _("タグ")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("すべての団体")
    PREFECTURES = "prefectures", _("都道府県")
    MUNICIPALITIES = "municipalities", _("市区町村（一部事務組合等を含む）")
    NAMED = "named", _("指定した団体")
    CLASSES = "classes", _("指定した区分の団体（例: 都道府県・指定都市・中核市）")


def audience_class_choices() -> list[tuple[str, StrOrPromise]]:
    """Prefectures plus the municipality classes (an audience like 都道府県・指定都市・中核市)."""
    return [("prefecture", _("都道府県")), *MunicipalityClass.choices]


class Status(models.TextChoices):
    DRAFT = "draft", _("下書き")
    SCHEDULED = "scheduled", _("公開予約")
    PUBLISHED = "published", _("公開中")
    WITHDRAWN = "withdrawn", _("公開終了")


class Kind(models.TextChoices):
    DOCUMENT = "document", _("資料")
    EFFORT = "effort", _("取組情報")


class DocumentQuerySet(models.QuerySet):
    def published(self) -> DocumentQuerySet:
        return self.filter(status=Status.PUBLISHED, hidden_reason="")

    def search(self, query: str) -> DocumentQuerySet:
        """Every normalised word must appear in the title, purpose, tags or publisher, as
        written or as read (ねんきん, ﾈﾝｷﾝ find 年金; see :func:`faq.normalize.reading`)."""
        for term in rules.search_terms(query):
            found = Q(search_text__contains=term)
            for text in variants(term):
                found |= Q(search_reading__contains=text)
            self = self.filter(found)
        return self

    def for_list(self) -> DocumentQuerySet:
        """With what a list row shows: category, publisher, tags and the current file."""
        return self.select_related(
            "category", "publisher__parent", "publisher__prefecture"
        ).prefetch_related(
            "tags",
            models.Prefetch(
                "files",
                queryset=DocumentFile.objects.filter(superseded=False),
                to_attr="current_files",
            ),
        )


class Document(models.Model):
    kind = models.CharField(_("種類"), max_length=16, choices=Kind.choices, default=Kind.DOCUMENT)
    category = models.ForeignKey(
        Category,
        verbose_name=_("カテゴリ"),
        on_delete=models.PROTECT,
        related_name="documents",
        null=True,
        blank=True,
    )
    title = models.CharField(_("資料名"), max_length=300)
    purpose = models.TextField(_("資料の内容、用途"), blank=True)
    publisher = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("発信元"),
        on_delete=models.PROTECT,
        related_name="published_documents",
    )
    audience = models.CharField(
        _("公開先"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE
    )
    organizations = models.ManyToManyField(
        "orgs.Organization",
        verbose_name=_("公開先の団体"),
        blank=True,
        related_name="shared_documents",
        help_text=_("公開先が「指定した団体」のときに選びます。"),
    )
    audience_classes = models.CharField(
        _("公開先の区分"),
        max_length=120,
        blank=True,
        help_text=_("公開先が「指定した区分の団体」のときの区分。「,」で囲んで並べたもの。"),
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("タグ"), blank=True, related_name="documents")
    status = models.CharField(
        _("状態"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(_("公開予定日時"), null=True, blank=True)
    published_at = models.DateTimeField(_("公開日"), null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField(_("公開終了日時"), null=True, blank=True)
    hidden_reason = models.CharField(
        _("非表示の理由"),
        max_length=300,
        blank=True,
        help_text=_("取組情報を編集者が非表示にした理由。空なら表示されます。"),
    )
    download_count = models.PositiveIntegerField(_("ダウンロード数"), default=0)
    search_text = models.TextField(_("検索用テキスト"), blank=True, editable=False)
    search_reading = models.TextField(_("検索用よみ"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("ドキュメント")
        verbose_name_plural = _("ドキュメント")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "publish_at"], name="document_due"),
            models.Index(fields=["kind", "status", "-published_at"], name="document_listing"),
        ]

    # Set by the lists and the detail page for their reader (新着, documents.rules.is_new).
    is_new = False

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("documents:detail", args=[self.pk])

    @property
    def current_file(self) -> DocumentFile | None:
        """The latest version (uses the ``current_files`` prefetch when present)."""
        if hasattr(self, "current_files"):
            return self.current_files[0] if self.current_files else None
        return self.files.filter(superseded=False).order_by("-version").first()

    @property
    def is_hidden(self) -> bool:
        return bool(self.hidden_reason)


def _document_upload_to(instance: DocumentFile, filename: str) -> str:
    return generated_name(filename, folder="documents")


class DocumentFile(models.Model):
    """One version of a document's file. A new version supersedes the older ones."""

    document = models.ForeignKey(
        Document, verbose_name=_("ドキュメント"), on_delete=models.CASCADE, related_name="files"
    )
    version = models.PositiveIntegerField(_("版"))
    file = models.FileField(_("ファイル"), upload_to=_document_upload_to, max_length=255)
    original_name = models.CharField(_("ファイル名"), max_length=255)
    size = models.PositiveBigIntegerField(_("サイズ（バイト）"), default=0)
    note = models.CharField(_("更新内容"), max_length=300, blank=True)
    superseded = models.BooleanField(_("旧版"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("登録日時"), default=timezone.now)

    class Meta:
        verbose_name = _("ファイル（版）")
        verbose_name_plural = _("ファイル（版）")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["document", "version"], name="document_file_version"),
        ]

    def __str__(self) -> str:
        return str(
            _("%(name)s（第%(version)s版）") % {"name": self.original_name, "version": self.version}
        )

    def get_download_url(self) -> str:
        from django.urls import reverse

        return reverse("documents:download", args=[self.document_id, self.pk])

"""Announcements and the portal's own pages (sections of links), edited by the portal's editors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models.library import Document

if TYPE_CHECKING:
    pass


class Announcement(models.Model):
    """お知らせ on TOP: ``[厚生労働省より]…（2015/07/02）``."""

    source = models.CharField(
        _("発信元の表示"), max_length=50, blank=True, help_text=_("例: 厚生労働省より")
    )
    title = models.CharField(_("件名"), max_length=300)
    body = models.TextField(_("本文"), blank=True)
    date = models.DateField(_("掲載日"), default=timezone.localdate)
    page = models.ForeignKey(
        "PortalPage",
        verbose_name=_("リンク先のポータルページ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="announcements",
    )
    document = models.ForeignKey(
        Document,
        verbose_name=_("リンク先のドキュメント"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="announcements",
    )
    is_published = models.BooleanField(_("掲載する"), default=True)

    class Meta:
        verbose_name = _("お知らせ")
        verbose_name_plural = _("お知らせ")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"[{self.source}]{self.title}" if self.source else self.title


class PortalPage(models.Model):
    """A field portal page editors assemble from sections and document links."""

    slug = models.SlugField(_("URL名"), unique=True)
    title = models.CharField(_("タイトル"), max_length=300)
    intro = models.TextField(_("前書き"), blank=True)
    is_published = models.BooleanField(_("公開する"), default=False)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("ポータルページ")
        verbose_name_plural = _("ポータルページ")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("documents:portal", args=[self.slug])


class PortalSection(models.Model):
    page = models.ForeignKey(
        PortalPage, verbose_name=_("ページ"), on_delete=models.CASCADE, related_name="sections"
    )
    heading = models.CharField(_("見出し"), max_length=200)
    intro = models.TextField(_("説明"), blank=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)

    class Meta:
        verbose_name = _("セクション")
        verbose_name_plural = _("セクション")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.heading


class PortalLink(models.Model):
    section = models.ForeignKey(
        PortalSection, verbose_name=_("セクション"), on_delete=models.CASCADE, related_name="links"
    )
    document = models.ForeignKey(
        Document, verbose_name=_("ドキュメント"), on_delete=models.CASCADE, related_name="+"
    )
    group = models.CharField(
        _("小見出し"), max_length=100, blank=True, help_text=_("例: 国民年金分野")
    )
    note = models.TextField(_("補足"), blank=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)

    class Meta:
        verbose_name = _("リンク")
        verbose_name_plural = _("リンク")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return str(self.document)

"""Organisations: ministries and their bureaus, prefectures, municipalities, associations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs import jis


class OrganizationKind(models.TextChoices):
    MINISTRY = "ministry", _("府省庁")
    PREFECTURE = "prefecture", _("都道府県")
    MUNICIPALITY = "municipality", _("市区町村")
    ASSOCIATION = "association", _("一部事務組合等")


class MunicipalityClass(models.TextChoices):
    DESIGNATED = "designated", _("政令指定都市")
    CORE = "core", _("中核市")
    CITY = "city", _("市")
    TOWN = "town", _("町")
    VILLAGE = "village", _("村")
    SPECIAL_WARD = "special_ward", _("特別区")


LOCAL_KINDS = (
    OrganizationKind.PREFECTURE,
    OrganizationKind.MUNICIPALITY,
    OrganizationKind.ASSOCIATION,
)


class OrganizationQuerySet(models.QuerySet):
    def local_governments(self) -> OrganizationQuerySet:
        return self.filter(kind__in=(OrganizationKind.PREFECTURE, OrganizationKind.MUNICIPALITY))

    def ministries(self) -> OrganizationQuerySet:
        return self.filter(kind=OrganizationKind.MINISTRY)

    def in_prefecture(self, prefecture: Organization) -> OrganizationQuerySet:
        """The prefecture itself and every municipality or association in it."""
        return self.filter(models.Q(pk=prefecture.pk) | models.Q(prefecture=prefecture))


class Organization(models.Model):
    """One organisation. Local governments are keyed by their JIS X 0402 code.

    Ministries use short ASCII codes (``mic``); a bureau is a ministry with a ``parent``
    (``mic-jumin`` is 総務省 住民制度課). Municipalities and associations carry their
    ``prefecture``; municipalities carry their ``municipality_class``.
    """

    code = models.CharField(_("団体コード"), max_length=32, unique=True)
    kind = models.CharField(_("種別"), max_length=16, choices=OrganizationKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    name_kana = models.CharField(_("名称（カナ）"), max_length=200, blank=True)
    prefecture = models.ForeignKey(
        "self",
        verbose_name=_("都道府県"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"kind": OrganizationKind.PREFECTURE},
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上位組織"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    municipality_class = models.CharField(
        _("市区町村の区分"), max_length=16, choices=MunicipalityClass.choices, blank=True
    )
    mail_domains = models.TextField(
        _("メールドメイン"),
        blank=True,
        help_text=_("この団体の職員が使うメールドメイン（1行に1つ、例: city.sapporo.lg.jp）"),
    )
    is_active = models.BooleanField(_("有効"), default=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("団体")
        verbose_name_plural = _("団体")
        ordering = ["code"]
        # Object grants (django-guardian) for the exceptions to the role rules.
        permissions = [
            ("view_plan", _("計画を閲覧できる")),
            ("edit_plan", _("計画を編集できる（委託先など）")),
            ("follow_up", _("フォローアップを担当する")),
        ]
        indexes = [models.Index(fields=["kind", "prefecture"])]
        constraints = [
            models.CheckConstraint(
                name="municipality_has_class",
                condition=~models.Q(kind="municipality") | ~models.Q(municipality_class=""),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        """``北海道 札幌市``, ``総務省 住民制度課``, ``北海道``: the name people say aloud."""
        if self.kind in (OrganizationKind.MUNICIPALITY, OrganizationKind.ASSOCIATION) and (
            self.prefecture
        ):
            return f"{self.prefecture.name} {self.name}"
        if self.parent:
            return f"{self.parent.name} {self.name}"
        return self.name

    @property
    def jis_code(self) -> str:
        """The JIS X 0402 code people know (``011002``), or '' for ministries and bureaus.

        Ministry codes are internal slugs (``cas-number``); they mean nothing to a reader.
        """
        return self.code if self.kind in LOCAL_KINDS and jis.is_valid(self.code) else ""

    @property
    def is_local(self) -> bool:
        return self.kind in LOCAL_KINDS

    @property
    def is_municipality(self) -> bool:
        return self.kind == OrganizationKind.MUNICIPALITY

    @property
    def is_prefecture(self) -> bool:
        return self.kind == OrganizationKind.PREFECTURE

    @property
    def is_ministry(self) -> bool:
        return self.kind == OrganizationKind.MINISTRY

    @property
    def domains(self) -> list[str]:
        return [line.strip().lower() for line in self.mail_domains.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.kind in LOCAL_KINDS and (message := jis.problem(self.code)):
            raise ValidationError({"code": message})
        needs_prefecture = self.kind in (
            OrganizationKind.MUNICIPALITY,
            OrganizationKind.ASSOCIATION,
        )
        if needs_prefecture and not self.prefecture_id:
            raise ValidationError({"prefecture": _("都道府県を選んでください。")})
        if self.kind == OrganizationKind.MUNICIPALITY and not self.municipality_class:
            raise ValidationError({"municipality_class": _("市区町村の区分を選んでください。")})

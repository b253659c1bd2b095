"""Documents: categories, document rows, announcements, portal pages and the catalogue.

A document with its file, search text and history is built through
``documents.services.create_document`` (the ``make_document`` fixture); DocumentFactory makes
the bare row a list or a link needs.
"""

from __future__ import annotations

import factory
from django.utils import timezone

from accounts.roles import Role
from documents.models import (
    Announcement,
    Audience,
    CatalogueImportJob,
    Category,
    Document,
    DocumentFile,
    Linkage,
    PortalLink,
    PortalPage,
    PortalSection,
    Procedure,
    ProcedureField,
    Status,
)
from tests.factories.accounts import UserFactory
from tests.factories.orgs import MinistryFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name", "parent")

    name = factory.Sequence(lambda n: f"分類{n}")
    parent = None


class DocumentFactory(factory.django.DjangoModelFactory):
    """A document published to everyone by a ministry, with no file."""

    class Meta:
        model = Document

    title = factory.Sequence(lambda n: f"資料{n}")
    search_text = factory.SelfAttribute("title")
    publisher = factory.SubFactory(MinistryFactory)
    audience = Audience.EVERYONE
    status = Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class DocumentFileFactory(factory.django.DjangoModelFactory):
    """The first version of a document's file: a few bytes stored under MEDIA_ROOT."""

    class Meta:
        model = DocumentFile

    document = factory.SubFactory(DocumentFactory)
    version = 1
    file = factory.django.FileField(filename="a.pdf", data=b"%PDF-1.4\n")
    original_name = "a.pdf"


class AnnouncementFactory(factory.django.DjangoModelFactory):
    """A published announcement dated today."""

    class Meta:
        model = Announcement

    title = factory.Sequence(lambda n: f"お知らせ{n}")


class PortalPageFactory(factory.django.DjangoModelFactory):
    """A draft portal page (``is_published=True`` to show it)."""

    class Meta:
        model = PortalPage

    slug = factory.Sequence(lambda n: f"page-{n}")
    title = factory.Sequence(lambda n: f"ページ{n}")


class PortalSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PortalSection

    page = factory.SubFactory(PortalPageFactory)
    heading = factory.Sequence(lambda n: f"見出し{n}")


class PortalLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PortalLink

    section = factory.SubFactory(PortalSectionFactory)
    document = factory.SubFactory(DocumentFactory)


class ProcedureFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcedureField
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"分野{n}")


class ProcedureFactory(factory.django.DjangoModelFactory):
    """A row of 別表第1 (the procedures that use the number), of every municipality class."""

    class Meta:
        model = Procedure

    number = factory.Sequence(lambda n: f"{n}")
    field = factory.SubFactory(ProcedureFieldFactory)
    name = factory.Sequence(lambda n: f"手続{n}")
    body = "市町村長"


class LinkageFactory(factory.django.DjangoModelFactory):
    """A row of 別表第2 (who may ask whom for which information)."""

    class Meta:
        model = Linkage

    number = factory.Sequence(lambda n: f"{n}")
    field = factory.SubFactory(ProcedureFieldFactory)
    inquirer = "都道府県知事等"
    procedure_name = factory.Sequence(lambda n: f"手続{n}")
    provider = "市町村長"
    information = "地方税関係情報"


class CatalogueImportJobFactory(factory.django.DjangoModelFactory):
    """A queued catalogue import of an editor, with an empty sheet."""

    class Meta:
        model = CatalogueImportJob

    requester = factory.SubFactory(
        UserFactory, organization=factory.SubFactory(MinistryFactory), role=Role.EDITOR
    )
    filename = "catalogue.xlsx"
    upload = b""

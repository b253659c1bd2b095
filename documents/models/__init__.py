"""The document library, announcements, portal pages and the procedures catalogue, in rooms:
:mod:`.library` (documents, their files, categories and tags), :mod:`.portal` (announcements
and the portal's pages) and :mod:`.catalogue` (procedures, linkages and their import job).
Every model is importable from ``documents.models``, as Django expects.
"""

from documents.models.catalogue import (
    CatalogueImportJob,
    CatalogueQuerySet,
    ClassesMixin,
    Linkage,
    Procedure,
    ProcedureField,
)
from documents.models.library import (
    Audience,
    Category,
    Document,
    DocumentFile,
    DocumentQuerySet,
    Kind,
    Status,
    Tag,
    audience_class_choices,
)
from documents.models.portal import Announcement, PortalLink, PortalPage, PortalSection

__all__ = [
    "Announcement",
    "Audience",
    "CatalogueImportJob",
    "CatalogueQuerySet",
    "Category",
    "ClassesMixin",
    "Document",
    "DocumentFile",
    "DocumentQuerySet",
    "Kind",
    "Linkage",
    "PortalLink",
    "PortalPage",
    "PortalSection",
    "Procedure",
    "ProcedureField",
    "Status",
    "Tag",
    "audience_class_choices",
]

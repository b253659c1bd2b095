"""The procedures catalogue (別表第1・第2): the filtered lists with their documents and the
data standard layouts, and the .xlsx export (:mod:`documents.sheets`; its import is
:mod:`documents.import_views`). Rows are fetched through ``accounts.permissions``.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from documents import sheets
from documents.filters import LinkageFilter, ProcedureFilter
from documents.models import Category, Linkage, Procedure
from documents.scopes import is_editor
from documents.selectors import visible_documents
from pmo.http import attachment
from pmo.xlsx import XLSX_CONTENT_TYPE

# The seeded category of the data standard layouts (documents.seed), found by its stored name.
LAYOUT_CATEGORY = "データ標準レイアウト"


def _catalogue(request):
    procedures = permissions.visible(request.user, Procedure.objects.all()).select_related("field")
    linkages = permissions.visible(request.user, Linkage.objects.all()).select_related("field")
    return (
        ProcedureFilter(request.GET or None, queryset=procedures, request=request),
        LinkageFilter(request.GET or None, queryset=linkages, request=request),
    )


def _layouts(request):
    """データ標準レイアウト: documents in the category of that name, newest first."""
    layouts = (
        visible_documents(request.user)
        .published()
        .filter(category__in=Category.objects.filter(name__contains=LAYOUT_CATEGORY).values("pk"))
    )
    return layouts.for_list().order_by("-published_at")


@login_required
def procedures(request):
    procedure_filter, linkage_filter = _catalogue(request)
    visible_docs = visible_documents(request.user).published().only("pk", "title")
    procedure_rows = procedure_filter.qs.prefetch_related(
        Prefetch("documents", queryset=visible_docs)
    )
    linkage_rows = linkage_filter.qs.prefetch_related(Prefetch("documents", queryset=visible_docs))
    return render(
        request,
        "documents/procedures.html",
        {
            "filter": procedure_filter,
            "procedures": procedure_rows,
            "linkages": linkage_rows,
            "layouts": _layouts(request),
            "is_editor": is_editor(request.user),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def procedures_xlsx(request):
    procedure_filter, linkage_filter = _catalogue(request)
    content = sheets.catalogue_workbook(procedure_filter.qs, linkage_filter.qs)
    name = _("事務・手続一覧_%(day)s.xlsx") % {"day": f"{timezone.localdate():%Y%m%d}"}
    return attachment(content, name, XLSX_CONTENT_TYPE)

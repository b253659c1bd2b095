"""The late list (flat or by organisation) and its export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.signed_in import SignedInRequest
from review import by_organization, index_orders, selectors
from review.assigned import assigned_first, assigned_ids
from review.filters import LateFilter
from review.models import (
    DelayFlag,
    LateExportJob,
)
from review.views import common
from review.views import exports as export_views
from review.views.common import (
    link_query,
    national,
    page_filters,
)


def _late_filter(request: SignedInRequest, programme, scope):
    on = timezone.localdate()
    flags = selectors.late_flags(request.user, programme, scope, on)
    return LateFilter(page_filters(request), queryset=flags, request=request, programme=programme)


@login_required
@require_GET
def late(request: SignedInRequest) -> HttpResponse:
    programme, scope = national(request)
    filtered = _late_filter(request, programme, scope)
    queryset = (
        filtered.qs
        if filtered.is_bound
        else filtered.queryset.order_by("organization__code", "work_item__order", "rule")
    )
    by_org = request.GET.get("by") == "org"
    first = assigned_first(request.user)  # a reviewer's 担当 first
    data = filtered.form.cleaned_data if filtered.is_bound and filtered.form.is_valid() else {}
    if by_org and (not filtered.is_bound or data) and by_organization.serves(data):
        # Who is late, from the per-organisation rollup: never the open flags grouped.
        page = by_organization.late_page(
            request.user,
            programme,
            scope,
            data,
            request.GET.get("page"),
            on=timezone.localdate(),
            first=first,
        )
    elif by_org:  # a filter on the flags' own values: the matching flags grouped
        page = selectors.late_organizations(
            queryset, programme, request.GET.get("page"), sort=data.get("sort", ""), first=first
        )
    elif (not filtered.is_bound or data) and by_organization.serves_flag_page(data, first=first):
        # An organisation-first sort: the rollup says which organisations a page falls in.
        page = by_organization.flag_page(
            request.user, programme, scope, data, queryset, request.GET.get("page"),
            per_page=common.PAGE_SIZE,
        )  # fmt: skip
        page.object_list = _flag_rows(queryset, list(page.object_list))
    elif (not filtered.is_bound or data) and index_orders.serves(data, first=first):
        # By days late: two index walks find the page, never a sort of every open flag.
        page = index_orders.flag_page(
            request.user, programme, scope, data, queryset, request.GET.get("page"),
            per_page=common.PAGE_SIZE,
        )  # fmt: skip
        page.object_list = _flag_rows(queryset, list(page.object_list))
    else:
        if first is not None:
            ordering = queryset.query.order_by or DelayFlag._meta.ordering or ()
            queryset = queryset.order_by(first, *ordering)
        page = _flag_page(queryset, request.GET.get("page"))
    query = link_query(request, programme)
    other = query.copy()
    other.pop("by", None)
    if not by_org:
        other["by"] = "org"
    return render(
        request,
        "review/late.html",
        {
            "programme": programme,
            "filter": filtered,
            "page": page,
            "by_org": by_org,
            "query": query.urlencode(),
            "other_view": other.urlencode(),
            "assigned_ids": assigned_ids(request.user),
        },
    )


def _flag_page(queryset, number):
    """A page of flags in two steps: the page's ids first (the sort reads only the columns it
    orders by), then those rows with everything the table shows. Sorting the full join of
    every open flag for one page took 1.1 s at 107k entries."""
    page = Paginator(queryset.values_list("pk", flat=True), common.PAGE_SIZE).get_page(number)
    page.object_list = _flag_rows(queryset, list(page.object_list))
    return page


def _flag_rows(queryset, ids: list[int]) -> list:
    """The flags of ``ids`` with everything the table shows, in that order (one query)."""
    rows = {flag.pk: flag for flag in queryset.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids]


@login_required
@require_GET
def late_export(request: SignedInRequest, fmt: str) -> HttpResponse:
    """The late list as .xlsx or .csv, every row (:mod:`review.exports`: a large one is a job)."""
    programme, _scope = national(request)
    if fmt not in LateExportJob.Format.values:
        raise Http404
    return export_views.respond(request, programme, fmt)

"""What every review page shares: the programme asked for, the filters, the reviewer's scope
and the organisation looked at, each through :mod:`accounts.permissions`.
"""

from __future__ import annotations

from django.http import HttpRequest, QueryDict

from accounts import permissions
from accounts.permissions import REVIEW, VIEW
from accounts.signed_in import SignedInRequest
from actionplan import programmes
from orgs.models import Organization
from review import selectors

PAGE_SIZE = 50


def asked_programme(request: HttpRequest):
    """``?programme=`` or the default one (actionplan.programmes); a bad value is 404."""
    return programmes.for_request(request)


def in_programme(programme, url: str) -> str:
    """``url`` in ``programme``: every link and redirect names the programme it came from."""
    return f"{url}?{programmes.PARAM}={programme.pk}"


def page_filters(request: SignedInRequest):
    """The page's filters: the query without the programme (which is not a filter), or
    ``None`` when nothing else is asked, so a page named by programme alone is unfiltered."""
    data = request.GET.copy()
    data.pop(programmes.PARAM, None)
    return data or None


def link_query(request: SignedInRequest, programme) -> QueryDict:
    """The query for the view switch, export and reminder links: the filters and the programme,
    no page (the pager keeps the address itself: templates/includes/pager.html)."""
    query = request.GET.copy()
    query.pop("page", None)
    query[programmes.PARAM] = str(programme.pk)
    return query


def national(request: SignedInRequest):
    """The national pages: REVIEW, else 404 (audited)."""
    permissions.require(request, REVIEW)
    programme = asked_programme(request)
    return programme, selectors.scope_for(request.user, programme)


def organization_or_404(request: SignedInRequest, code: str, action: str = VIEW) -> Organization:
    queryset = Organization.objects.select_related("prefecture", "parent")
    return permissions.get_visible_or_404(request, queryset, action, code=code)


def refuse_out_of_reach(request: SignedInRequest, form, field: str, action: str) -> None:
    """A POSTed choice the form does not offer (another bureau's work item or task, or an id
    made up) is a refusal like any other: 404, recorded in the audit trail, nothing saved."""
    if request.method == "POST" and form.has_error(field, "invalid_choice"):
        raise permissions.denied(request, action, {field: request.POST.get(field, "")})

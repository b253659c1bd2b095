"""Organisations that have not begun their plan, and the reminder (督促) sent to them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from accounts.signed_in import SignedInRequest
from review import selectors
from review.begun import NOT_ENTERED
from review.not_begun import count_by_prefecture, not_begun
from review.views import common
from review.views.common import (
    link_query,
    national,
    page_filters,
)


def _not_begun(request: SignedInRequest):
    """The not-started list as the query string asks for it: (programme, form, the
    organisations, the prefectures in scope, the state asked). A fixed number of queries."""
    from review.forms import NotBegunForm

    programme, scope = national(request)
    prefs = selectors.prefectures(scope)
    items = selectors.work_items(programme, scope)
    form = NotBegunForm(page_filters(request), prefectures=prefs, work_items=items)
    filters: dict = {}
    if form.is_valid():
        data = form.cleaned_data
        by_code = {pref.code: pref.pk for pref in prefs}
        filters = {
            "state": data["state"] or NOT_ENTERED,
            "prefecture_id": by_code.get(data["prefecture"]),
            "municipality_class": data["municipality_class"],
            "work_item_id": int(data["work_item"]) if data["work_item"] else None,
        }
    organizations = not_begun(request.user, programme, scope, **filters)
    return programme, form, organizations, prefs, filters.get("state", NOT_ENTERED)


@login_required
@require_GET
def not_started(request: SignedInRequest) -> HttpResponse:
    """Organisations that have entered nothing (or not started anything) yet, by prefecture,
    class and work item, within the user's review scope. A fixed number of queries."""
    programme, form, organizations, prefs, state = _not_begun(request)
    counts = count_by_prefecture(organizations)
    page = Paginator(organizations, common.PAGE_SIZE).get_page(request.GET.get("page"))
    query = link_query(request, programme)
    return render(
        request,
        "review/not_started.html",
        {
            "programme": programme,
            "form": form,
            "page": page,
            "by_prefecture": [(pref, counts[pref.pk]) for pref in prefs if counts.get(pref.pk)],
            "query": query.urlencode(),
            # Reminders are for those who have entered nothing (and only where one may send).
            "can_remind": state == NOT_ENTERED
            and permissions.can(request.user, permissions.REMIND),
        },
    )


@login_required
@require_POST
def remind(request: SignedInRequest) -> HttpResponse:
    """Remind the organisations ticked on the not-started list (``organizations``: codes) or,
    with ``all``, every one the list's filters (the query string) find, to enter their plan.
    A code out of the user's reach (or not on the list) is a refusal: 404, audited, nothing
    sent. One reminder per organisation and day; each one sent is audited."""
    from review import reminders

    permissions.require(request, permissions.REMIND)
    programme, _form, organizations, _prefs, state = _not_begun(request)
    back = redirect(
        reverse("review:not_started") + "?" + link_query(request, programme).urlencode()
    )
    if state != NOT_ENTERED:
        raise permissions.denied(request, permissions.REMIND, {"state": state})
    reachable = permissions.visible(request.user, organizations, permissions.REMIND)
    if request.POST.get("all") != "1":
        codes = set(request.POST.getlist("organizations"))
        if not codes:
            messages.error(request, gettext("督促する団体を選んでください。"))
            return back
        chosen = reachable.filter(code__in=codes)
        if len(codes) != chosen.count():
            raise permissions.denied(request, permissions.REMIND, {"organizations": sorted(codes)})
        reachable = chosen
    try:
        result = reminders.remind(request.user, reachable, programme, request=request)
    except reminders.AlreadyReminding:
        messages.error(request, gettext("同時に別の督促が送られました。もう一度お試しください。"))
        return back
    sent = len(result.sent)
    text = ngettext(
        "%(n)s 団体に計画の入力を督促しました。",
        "%(n)s 団体に計画の入力を督促しました。",
        sent,
    ) % {"n": sent}
    if result.already:
        text += " " + ngettext(
            "%(n)s 団体は本日すでに督促済みのため送っていません。",
            "%(n)s 団体は本日すでに督促済みのため送っていません。",
            result.already,
        ) % {"n": result.already}
    messages.success(request, text)
    return back

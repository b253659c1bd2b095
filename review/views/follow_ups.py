"""Follow-ups: opened by the reviewing side, answered by the organisation, listed for both."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts import permissions
from accounts.permissions import FOLLOW_UP, VIEW
from accounts.signed_in import SignedInRequest
from pmo import wareki
from review import selectors, workflow
from review.forms import FollowUpForm, NoteForm
from review.models import (
    FollowUp,
)
from review.views import common
from review.views.common import (
    asked_programme,
    organization_or_404,
    refuse_out_of_reach,
)


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_new(request: SignedInRequest, code: str) -> HttpResponse:
    org = organization_or_404(request, code, FOLLOW_UP)
    programme = asked_programme(request)
    # Only the work items the user may follow up (a reviewer: its bureau's); a reviewer must
    # name one, since a follow-up on no work item would be on all of them.
    work_items = permissions.work_items(request.user, FOLLOW_UP, programme)
    form = FollowUpForm(
        request.POST or None,
        work_items=work_items,
        require_work_item=permissions.work_item_ids(request.user, programme, FOLLOW_UP) is not None,
    )
    refuse_out_of_reach(request, form, "work_item", FOLLOW_UP)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        follow_up = workflow.open_follow_up(
            request.user,
            org,
            programme,
            cause=data["cause"],
            actions=data["actions"],
            due_on=data["due_on"],
            work_item=data["work_item"],
            request=request,
        )
        messages.success(request, gettext("フォローアップを登録しました。団体に表示されます。"))
        return redirect("review:follow_up", pk=follow_up.pk)
    return render(
        request,
        "review/follow_up_new.html",
        {"organization": org, "programme": programme, "form": form},
    )


@login_required
@require_GET
def follow_ups(request: SignedInRequest) -> HttpResponse:
    """Follow-ups the user may see; ``?state=`` narrows by state, ``?mine=1`` to those the
    user's organisation opened (TOP links here for answers to read)."""
    programme = asked_programme(request)
    queryset = selectors.follow_ups_for(request.user, programme)
    state = request.GET.get("state", "")
    if state in FollowUp.State.values:
        queryset = queryset.filter(state=state)
    mine = request.GET.get("mine") == "1"
    if mine:
        queryset = queryset.filter(opened_by_organization_id=request.user.organization_id)
    # 年度 of the 対応期限 (due date): the fiscal year the answer is expected in.
    years = selectors.fiscal_years(programme)
    year = request.GET.get("fiscal_year", "")
    year_error = ""
    if year in {str(value) for value, _label in years}:
        first, last = wareki.fiscal_year_bounds(int(year))
        queryset = queryset.filter(due_on__gte=first, due_on__lte=last)
    elif year:
        year_error = gettext("年度は一覧から選んでください。")
        year = ""
    page = Paginator(queryset, common.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "review/follow_ups.html",
        {
            "programme": programme,
            "page": page,
            "states": FollowUp.State.choices,
            "state": state,
            "mine": mine,
            "years": years,
            "year": year,
            "year_error": year_error,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request: SignedInRequest, pk: int) -> HttpResponse:
    queryset = FollowUp.objects.select_related(
        "organization__prefecture", "work_item", "opened_by", "opened_by_organization"
    )
    item = permissions.get_visible_or_404(request, queryset, VIEW, pk=pk)
    user = request.user
    organization_side = user.organization_id == item.organization_id
    # On the follow-up itself, not its organisation: a reviewer writes only on its work items.
    reviewing_side = permissions.can(user, FOLLOW_UP, item)
    form = NoteForm(request.POST or None)
    if request.method == "POST":
        if not (organization_side or reviewing_side):
            raise permissions.denied(request, FOLLOW_UP, item)
        if form.is_valid():
            workflow.add_note(
                user,
                item,
                form.cleaned_data["body"],
                organization_side=organization_side,
                close=reviewing_side and form.cleaned_data["close"],
                request=request,
            )
            messages.success(request, gettext("記録を追加しました。"))
            return redirect("review:follow_up", pk=item.pk)
    notes = item.notes.select_related("author", "author_organization")
    return render(
        request,
        "review/follow_up.html",
        {
            "item": item,
            "notes": notes,
            "form": form,
            "may_write": organization_side or reviewing_side,
            "reviewing_side": reviewing_side and not organization_side,
        },
    )

"""Plan checks: the list, the coordinator routing a check to ministries, their verdicts,
and the organisation's revision.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import permissions
from accounts.permissions import REVIEW, VIEW
from accounts.signed_in import SignedInRequest
from actionplan import programmes
from orgs.models import Organization, OrganizationKind
from pmo.invalid import Invalid
from review import selectors, workflow
from review.forms import RouteForm, VerdictForm
from review.models import (
    MinistryReview,
    PlanCheck,
)
from review.views import common
from review.views.common import (
    asked_programme,
    in_programme,
    national,
    organization_or_404,
)


@login_required
@require_GET
def checks(request: SignedInRequest) -> HttpResponse:
    programme, _scope = national(request)
    rows = selectors.checks_for(request.user, programme)
    ministry = permissions.can(request.user, permissions.ANSWER_AS_MINISTRY)
    wanted = request.GET.get("state", "")
    if not ministry and wanted in PlanCheck.State.values:
        rows = rows.filter(check_state=wanted)
    elif not ministry and wanted == "none":
        rows = rows.filter(check_state=None)
    page = Paginator(rows, common.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "review/checks.html",
        {
            "programme": programme,
            "page": page,
            "ministry": ministry,
            "states": PlanCheck.State.choices,
            "state": wanted,
        },
    )


def _bureaus(programme):
    return (
        Organization.objects.filter(
            kind=OrganizationKind.MINISTRY, responsible_work_items__programme=programme
        )
        .distinct()
        .select_related("parent")
        .order_by("code")
    )


@login_required
@require_http_methods(["GET", "POST"])
def check(request: SignedInRequest, code: str) -> HttpResponse:
    programme, _scope = national(request)
    org = organization_or_404(request, code, VIEW)
    user = request.user
    current = PlanCheck.objects.filter(organization=org, programme=programme).first()
    mine = None
    if current and permissions.can(user, permissions.ANSWER_AS_MINISTRY):
        mine = current.reviews.filter(ministry_id=user.organization_id).first()
    is_coordinator = permissions.can(user, permissions.ROUTE_CHECKS)
    route_form = RouteForm(
        request.POST if request.POST.get("action") == "route" else None,
        ministries=_bureaus(programme),
        initial={"ministries": list(_bureaus(programme))},
    )
    verdict_form = VerdictForm(
        request.POST if request.POST.get("action") == "verdict" else None,
        initial={
            "verdict": mine.verdict if mine else None,
            "comment": mine.comment if mine else "",
        },
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "route" and is_coordinator and route_form.is_valid():
            workflow.route_check(
                user,
                org,
                programme,
                list(route_form.cleaned_data["ministries"]),
                route_form.cleaned_data["comment"],
                request=request,
            )
            messages.success(request, gettext("計画を確認し、府省庁に確認を依頼しました。"))
            return redirect(in_programme(programme, reverse("review:check", args=[org.code])))
        if action == "verdict" and mine is not None and verdict_form.is_valid():
            try:
                workflow.review_check(
                    user,
                    mine,
                    verdict_form.cleaned_data["verdict"],
                    verdict_form.cleaned_data["comment"],
                    request=request,
                )
            except Invalid as invalid:
                for name, message in invalid.errors.items():
                    verdict_form.add_error(name, message)
            else:
                messages.success(request, gettext("確認結果を登録しました。団体に表示されます。"))
                return redirect(in_programme(programme, reverse("review:check", args=[org.code])))
        elif (
            action not in ("route", "verdict")
            or (action == "route" and not is_coordinator)
            or (action == "verdict" and mine is None)
        ):
            raise permissions.denied(request, REVIEW, org)
    reviews = (
        list(current.reviews.select_related("ministry__parent", "reviewed_by")) if current else []
    )
    return render(
        request,
        "review/check.html",
        {
            "organization": org,
            "programme": programme,
            "current": current,
            "reviews": reviews,
            "mine": mine,
            "is_coordinator": is_coordinator,
            "route_form": route_form,
            "verdict_form": verdict_form,
            "verdicts": MinistryReview.Verdict,
        },
    )


@login_required
@require_POST
def check_revised(request: SignedInRequest, code: str) -> HttpResponse:
    """The organisation reports that it revised its plan after a 要修正 (修正を報告): those
    ministries check it again. Those who may edit the plan only; anyone else gets 404."""
    org = organization_or_404(request, code, permissions.EDIT_PLAN)
    programme = asked_programme(request)
    try:
        reopened = workflow.report_revised(
            request.user, org, programme, request.POST.get("comment", "")[:2000]
        )
    except Invalid as invalid:
        messages.error(request, invalid.errors["check"])
    else:
        messages.success(
            request,
            ngettext(
                "修正を報告しました。%(n)s 府省庁に再確認を依頼しました。",
                "修正を報告しました。%(n)s 府省庁に再確認を依頼しました。",
                reopened,
            )
            % {"n": reopened},
        )
    return redirect(programmes.plan_link(org, programme, "#standing"))

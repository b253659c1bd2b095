"""National status (by work item and by prefecture), a prefecture's drill-down and an
organisation's page, from the rollups.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import permissions
from accounts.permissions import FOLLOW_UP, REVIEW
from accounts.signed_in import SignedInRequest
from actionplan import programmes
from orgs.models import OrganizationKind
from review import by_organization, rollups, rules, selectors
from review.assigned import assigned_ids, assigned_lines
from review.coverage import approval_scopes
from review.models import (
    ApprovedException,
    FollowUp,
    PlanCheck,
    Rule,
)
from review.rules import APPROVABLE, RULES
from review.views.common import (
    asked_programme,
    national,
    organization_or_404,
)


@login_required
@require_GET
def index(request: SignedInRequest) -> HttpResponse:
    """National status by work item and by prefecture, from the rollup (a fixed number of
    queries whatever the number of organisations)."""
    # The organisation is read only for those who are sent on (the index reads no more).
    if not permissions.can(request.user, REVIEW) and (own := request.user.organization):
        # The organisation side has its own page (its delays, follow-ups, plan checks).
        url = reverse("review:organization", args=[own.code])
        asked = request.GET.get(programmes.PARAM)  # checked there, like any other value
        return redirect(
            f"{url}?{urlencode({programmes.PARAM: asked})}" if asked is not None else url
        )
    programme, scope = national(request)
    items = selectors.work_items(programme, scope)
    prefs = selectors.prefectures(scope)
    by_item, total = rollups.summarize(
        programme,
        "work_item",
        {item.pk: str(item) for item in items},
        prefecture_id=scope.prefecture_id,
        work_item_ids=scope.work_item_ids,
    )
    by_pref, _ = rollups.summarize(
        programme,
        "prefecture",
        {pref.pk: pref.name for pref in prefs},
        prefecture_id=scope.prefecture_id,
        work_item_ids=scope.work_item_ids,
    )
    # 団体, not flags: who needs a follow-up (one query, distinct organisations).
    organizations = by_organization.significant_organizations(programme, scope)
    # Each line is one work item's or prefecture's (its key, an id: only the total has none);
    # one that no organisation needs a follow-up for is absent from the counts: 0.
    for line in by_item:
        line.significant_organizations = organizations.by_work_item.get(line.key, 0)
    for line in by_pref:
        line.significant_organizations = organizations.by_prefecture.get(line.key, 0)
    total.significant_organizations = organizations.total
    codes = {pref.pk: pref.code for pref in prefs}
    rule_labels = dict(Rule.choices)
    charts = {
        "workItems": {
            "labels": [line.label for line in by_item],
            "rate": [line.rate or 0 for line in by_item],
            "weighted": [line.weighted_rate or 0 for line in by_item],
        },
        "prefectures": {
            "labels": [line.label for line in by_pref],
            "rate": [line.rate or 0 for line in by_pref],
            "weighted": [line.weighted_rate or 0 for line in by_pref],
        },
        "rules": {
            "labels": [str(rule_labels[rule]) for rule in RULES],
            "counts": [total.by_rule.get(rule, 0) for rule in RULES],
        },
    }
    return render(
        request,
        "review/index.html",
        {
            "programme": programme,
            "scope": scope,
            "by_item": by_item,
            "by_pref": [(line, codes[line.key]) for line in by_pref],
            "total": total,
            "rules": [(rule, rule_labels[rule], total.by_rule.get(rule, 0)) for rule in RULES],
            "formula": rollups.FORMULA,
            "weighted_formula": rollups.WEIGHTED_FORMULA,
            "charts": charts,
            "today": timezone.localdate(),
            "assigned": assigned_lines(request.user, programme, scope),
        },
    )


@login_required
@require_GET
def prefecture(request: SignedInRequest, code: str) -> HttpResponse:
    programme, scope = national(request)
    pref = organization_or_404(request, code)
    if pref.kind != OrganizationKind.PREFECTURE or (
        scope.prefecture_id is not None and pref.pk != scope.prefecture_id
    ):
        raise permissions.denied(request, REVIEW, pref)
    lines = by_organization.prefecture_lines(request.user, programme, pref, scope)
    assigned = assigned_ids(request.user)  # a reviewer's 担当 first
    lines.sort(key=lambda line: line.organization.pk not in assigned)
    return render(
        request,
        "review/prefecture.html",
        {
            "programme": programme,
            "prefecture": pref,
            "lines": lines,
            "assigned_ids": assigned,
            "summary": selectors.PrefectureSummary.of(lines),
        },
    )


@login_required
@require_GET
def organization(request: SignedInRequest, code: str) -> HttpResponse:
    """One organisation's delays, approvals, follow-ups and plan checks (both sides)."""
    org = organization_or_404(request, code)
    programme = asked_programme(request)
    on = timezone.localdate()
    user = request.user
    # Through the door: a reviewer sees the delays, approvals and follow-ups of its work items.
    flags = list(permissions.visible(user, selectors.organization_flags(org, programme, on)))
    follow_ups = list(
        permissions.visible(user, FollowUp.objects.filter(organization=org, programme=programme))
        .select_related("work_item", "opened_by_organization")
        .order_by("-created_at")
    )
    check = PlanCheck.objects.filter(organization=org, programme=programme).first()
    reviews = list(check.reviews.select_related("ministry__parent", "reviewed_by")) if check else []
    approvals = list(
        permissions.visible(
            user,
            ApprovedException.objects.filter(
                organization=org, task__work_item__programme=programme
            ),
        )
        .select_related("task__work_item", "system", "approved_by_organization")
        .order_by("task__work_item__order", "task__order", "system__name")
    )
    may_follow_up = permissions.can(user, FOLLOW_UP, org)
    return render(
        request,
        "review/organization.html",
        {
            "organization": org,
            "programme": programme,
            "flags": flags,
            # Flags (判定) and the entries (計画の行) they sit on, apart: one entry may carry
            # several rules (from the list above, no query).
            "flag_counts": {
                "flags": len(flags),
                "entries": len({flag.entry_id for flag in flags}),
                "significant": sum(rules.needs_follow_up(f.significant, f.approved) for f in flags),
                "approved": sum(1 for f in flags if f.approved),
            },
            "significant": any(rules.needs_follow_up(f.significant, f.approved) for f in flags),
            "follow_ups": follow_ups,
            "check": check,
            "reviews": reviews,
            "approvals": approval_scopes(approvals, flags),
            "covered_rules": [str(Rule(rule).label) for rule in RULES if rule in APPROVABLE],
            "may_follow_up": may_follow_up,
            "may_approve": may_follow_up and permissions.can(user, permissions.APPROVE),
            "may_check": permissions.can(user, REVIEW)
            and permissions.can(user, permissions.CHECK_PLANS),
        },
    )

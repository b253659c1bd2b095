"""Approved later dates (期日延長の承認) and their acknowledgement by the organisation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions
from accounts.permissions import FOLLOW_UP
from accounts.signed_in import SignedInRequest
from actionplan import programmes
from actionplan.models import Task
from pmo.invalid import Invalid
from pmo.sheets import cell_int
from review import workflow
from review.coverage import approval_coverage, approval_systems
from review.forms import ApprovalForm
from review.models import (
    ApprovedException,
    Rule,
)
from review.rules import APPROVABLE, RULES
from review.views.common import (
    asked_programme,
    in_programme,
    organization_or_404,
    refuse_out_of_reach,
)


@login_required
@require_http_methods(["GET", "POST"])
def approve(request: SignedInRequest, code: str) -> HttpResponse:
    org = organization_or_404(request, code, FOLLOW_UP)
    if not permissions.can(request.user, permissions.APPROVE):
        raise permissions.denied(request, FOLLOW_UP, org)
    programme = asked_programme(request)
    # The organisation's tasks on the work items the user may follow up (a reviewer: its
    # bureau's), so the choices and what a POST may name are the same set.
    tasks_qs = (
        Task.objects.filter(
            work_item__in=permissions.work_items(request.user, FOLLOW_UP, programme).values("pk"),
            entries__organization=org,
        )
        .distinct()
        .select_related("work_item")
    )
    systems = approval_systems(org, tasks_qs)
    form = ApprovalForm(request.POST or None, tasks=tasks_qs, systems=systems)
    refuse_out_of_reach(request, form, "task", FOLLOW_UP)
    if systems is not None:
        refuse_out_of_reach(request, form, "system", FOLLOW_UP)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        system = data.get("system")
        try:
            workflow.approve(
                request.user,
                org,
                data["task"],
                data["approved_until"],
                data["reason"],
                data["note"],
                system=system,
                request=request,
            )
        except Invalid as invalid:
            for name, message in invalid.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(
                request, gettext("期日の延長を承認しました。承認済みの遅延として別に集計されます。")
            )
            return redirect(
                in_programme(programme, reverse("review:organization", args=[org.code]))
            )
    # What the approval will cover: the chosen task's entries (or every candidate's), each
    # with its open flags and whether a later date explains them.
    source = request.POST if request.method == "POST" else request.GET
    coverage = approval_coverage(
        request.user,
        org,
        tasks_qs,
        task_id=cell_int(source.get("task")),
        system_id=cell_int(source.get("system")),
        on=timezone.localdate(),
    )
    return render(
        request,
        "review/approve.html",
        {
            "organization": org,
            "programme": programme,
            "form": form,
            "coverage": coverage,
            "covered_rules": [str(Rule(rule).label) for rule in RULES if rule in APPROVABLE],
            "uncovered_rules": [str(Rule(rule).label) for rule in RULES if rule not in APPROVABLE],
        },
    )


@login_required
@require_POST
def approval_acknowledge(request: SignedInRequest, code: str, pk: int) -> HttpResponse:
    """The organisation has read an approved later date (確認しました): it leaves the
    organisation's TOP. Those who may edit the plan only; anyone else gets 404."""
    org = organization_or_404(request, code, permissions.EDIT_PLAN)
    # The organisation's own approvals, whatever work item (its staff read every one of them).
    approval = ApprovedException.objects.filter(organization=org, pk=pk).first()
    if approval is None:
        raise permissions.denied(request, permissions.EDIT_PLAN, {"approval": pk})
    programme = asked_programme(request)
    if workflow.acknowledge_approval(request.user, approval):
        messages.success(request, gettext("期日延長の承認を確認済みにしました。"))
    return redirect(programmes.plan_link(org, programme, "#standing"))

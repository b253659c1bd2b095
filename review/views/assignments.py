"""The assigned-reviewers page (/review/assignments/): the coordinator and the system
administrator list every reviewer's assignments, add some (a reviewer account and local
governments by JIS code or name, or a prefecture's list) and remove them. Everyone else:
404, recorded in the audit trail (:mod:`accounts.permissions`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions
from accounts.models import User
from accounts.signed_in import SignedInRequest
from pmo.invalid import Invalid
from review import assignments
from review.forms import AssignForm


def _reviewers():
    return (
        User.objects.filter(permissions.holders(permissions.BE_ASSIGNED), is_active=True)
        .select_related("organization__parent")
        .order_by("organization__code", "email")
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_list(request: SignedInRequest) -> HttpResponse:
    permissions.require(request, permissions.ASSIGN_REVIEWERS)
    reviewers = list(_reviewers())
    form = AssignForm(request.POST or None, reviewers=reviewers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reviewer = User.objects.filter(pk=data["reviewer"]).first()
            if reviewer is None:
                raise Invalid({"reviewer": _("確認担当者のアカウントを選んでください。")})
            assignments.check_reviewer(reviewer)
            organizations = assignments.resolve(data["organizations"], data["prefecture"])
            added = assignments.assign(request.user, reviewer, organizations, request=request)
        except Invalid as invalid:
            for name, message in invalid.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            if added:
                messages.success(
                    request,
                    _("%(user)s に %(n)s 団体を担当として割り当てました。")
                    % {"user": reviewer.display_name or reviewer.email, "n": added},
                )
            else:
                messages.info(request, _("すでに割り当て済みです。変更はありません。"))
            return redirect("review:assignments")
    return render(
        request,
        "review/assignments.html",
        {"form": form, "lines": assignments.by_reviewer(), "current": "assignments"},
    )


@login_required
@require_POST
def assignment_remove(request: SignedInRequest, pk: int, code: str) -> HttpResponse:
    permissions.require(request, permissions.ASSIGN_REVIEWERS)
    reviewer = User.objects.filter(permissions.holders(permissions.BE_ASSIGNED), pk=pk).first()
    organization = assignments.local_governments().filter(code=code).first()
    if reviewer is None or organization is None:
        raise permissions.denied(request, permissions.ASSIGN_REVIEWERS, {"assignment": (pk, code)})
    if assignments.unassign(request.user, reviewer, organization, request=request):
        messages.success(
            request,
            _("%(user)s の担当から %(org)s を外しました。")
            % {"user": reviewer.display_name or reviewer.email, "org": organization.full_name},
        )
    else:
        messages.info(request, _("この団体は担当として割り当てられていません。"))
    return redirect("review:assignments")

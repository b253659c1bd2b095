"""The plan page's systems box: the organisation lists, renames, retires and restores its
target systems (G). Each change is a call to :mod:`actionplan.systems`, which audits it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.permissions import EDIT_PLAN
from actionplan import services, systems
from actionplan.forms import SystemForm
from actionplan.models import OrganizationSystem
from actionplan.programmes import plan_link
from actionplan.views.common import organization_or_404, programme_asked
from orgs.models import Organization


def _systems_box(request: HttpRequest, organization: Organization) -> str:
    return plan_link(organization, programme_asked(request), "#systems")


@login_required
@require_POST
def system_add(request: HttpRequest, code: str) -> HttpResponse:
    organization = organization_or_404(request, code, EDIT_PLAN)
    programme = programme_asked(request)  # the plan page to return to
    form = SystemForm(request.POST)
    if form.is_valid():
        try:
            systems.add(request.user, organization, form.cleaned_data["system"], request=request)
        except services.EntryInvalid as invalid:
            messages.error(request, invalid.errors["system"])
        else:
            messages.success(request, gettext("対象システムを追加しました。"))
    else:
        messages.error(request, str(form.errors["system"][0]))
    return redirect(plan_link(organization, programme, "#systems"))


def _system_link(request: HttpRequest, organization: Organization, pk: int) -> OrganizationSystem:
    queryset = OrganizationSystem.objects.filter(organization=organization).select_related(
        "system", "organization"
    )
    return permissions.get_visible_or_404(request, queryset, EDIT_PLAN, pk=pk)


@login_required
@require_POST
def system_rename(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Rename one of the organisation's own target systems (a shared one: refused)."""
    organization = organization_or_404(request, code, EDIT_PLAN)
    link = _system_link(request, organization, pk)
    try:
        old, new = systems.rename(request.user, link, request.POST.get("name", ""), request=request)
    except services.EntryInvalid as invalid:
        messages.error(request, invalid.errors["name"])
    else:
        messages.success(
            request,
            gettext("対象システムの名前を「%(old)s」から「%(new)s」に変更しました。")
            % {"old": old, "new": new},
        )
    return redirect(_systems_box(request, organization))


@login_required
@require_POST
def system_retire(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Retire (廃止) a target system: its entries stay, with their history, out of the figures
    from today. ``restore=1`` undoes it."""
    organization = organization_or_404(request, code, EDIT_PLAN)
    link = _system_link(request, organization, pk)
    restoring = request.POST.get("restore") == "1"
    try:
        if restoring:
            systems.restore(request.user, link, request=request)
        else:
            systems.retire(request.user, link, request=request)
    except services.EntryInvalid as invalid:
        messages.error(request, invalid.errors["name"])
    else:
        message = (
            gettext("「%(name)s」を復元しました。計画の行は今日から再び集計されます。")
            if restoring
            else gettext(
                "「%(name)s」を廃止しました。計画の行と履歴は残り、今日から集計に含まれません。"
            )
        )
        messages.success(request, message % {"name": link.system.name})
    return redirect(_systems_box(request, organization))

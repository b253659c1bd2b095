"""Advice (助言) on an organisation's plan: written by a prefecture or a ministry, and
acknowledged (確認しました) by the organisation's own staff."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.permissions import ADVISE, EDIT_PLAN
from actionplan import services
from actionplan.forms import AdviceForm
from actionplan.models import Advice
from actionplan.programmes import plan_link
from actionplan.views.common import organization_or_404, programme_asked


@login_required
@require_POST
def advice_add(request: HttpRequest, code: str) -> HttpResponse:
    organization = organization_or_404(request, code, ADVISE)
    programme = programme_asked(request)
    form = AdviceForm(request.POST)
    if form.is_valid():
        try:
            services.add_advice(request.user, organization, programme, form.cleaned_data["body"])
        except services.EntryInvalid as invalid:
            messages.error(request, invalid.errors["body"])
        else:
            messages.success(request, gettext("助言を登録しました。"))
    else:
        messages.error(request, str(form.errors["body"][0]))
    return redirect(plan_link(organization, programme, "#advice"))


@login_required
@require_POST
def advice_acknowledge(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The organisation has read the advice (確認しました): it leaves the organisation's TOP.
    Its own staff only (those who may edit the plan); anyone else gets 404."""
    organization = organization_or_404(request, code, EDIT_PLAN)
    queryset = Advice.objects.filter(organization=organization)
    advice = permissions.get_visible_or_404(request, queryset, EDIT_PLAN, pk=pk)
    if services.acknowledge_advice(request.user, advice):
        messages.success(request, gettext("助言を確認済みにしました。"))
    return redirect(plan_link(organization, programme_asked(request), "#advice"))

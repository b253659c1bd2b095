"""The plan page: an organisation's plan for a programme (now, or as it stood on a day), its
advice, its standing in the review and its target systems, a page at a time."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import permissions
from accounts.permissions import ADVISE, EDIT_PLAN
from actionplan import selectors, systems
from actionplan.forms import AdviceForm, SystemForm
from actionplan.models import Advice, TargetSystem, Task
from actionplan.views.common import organization_or_404, parse_as_of, programme_asked
from review import standing as review_standing

# Target systems listed a page at a time (each has its rename and retire forms).
SYSTEMS_PAGE = 100


@login_required
@require_GET
def plan(request: HttpRequest, code: str) -> HttpResponse:
    organization = organization_or_404(request, code)
    programme = programme_asked(request)
    as_of, as_of_error = parse_as_of(request.GET.get("as_of"), programme)
    # Entries exist from the moment the programme is published (actionplan.publishing.publish):
    # a page view never writes.
    can_edit = permissions.can(request.user, EDIT_PLAN, organization) and as_of is None
    advice = Advice.objects.filter(organization=organization, programme=programme)
    if as_of is not None:  # advice is never edited: what existed then is what was written by then
        advice = advice.filter(created_at__lte=as_of)
    # Only a programme with work done per target system (G) has a systems box.
    per_system = Task.objects.filter(work_item__programme=programme, per_system=True).exists()
    context = {
        "organization": organization,
        "plan_url": reverse("actionplan:plan", args=[organization.code]),
        "programme": programme,
        "plan": selectors.plan(
            organization,
            programme,
            as_of=as_of,
            paged=True,
            item=request.GET.get("item"),
            page=request.GET.get("page", 1),
        ),
        "as_of": as_of,
        "as_of_day": as_of.date() if as_of else None,
        "as_of_value": request.GET.get("as_of", ""),
        "as_of_error": as_of_error,
        "can_edit": can_edit,
        "can_advise": permissions.can(request.user, ADVISE, organization) and as_of is None,
        "advice": advice.select_related(
            "author", "author_organization__parent", "author_organization__prefecture"
        )[:20],
        "advice_form": AdviceForm(),
        "standing": review_standing.standing(request.user, organization, programme, as_of),
        "per_system": per_system,
        "system_form": SystemForm(),
        "shared_systems": TargetSystem.objects.filter(organization=None).values_list(
            "name", flat=True
        ),
        "systems": (
            # A count and one page: the page does not read all 1,661 systems of a long plan.
            Paginator(systems.systems_of(organization), SYSTEMS_PAGE).get_page(
                request.GET.get("systems_page", 1)
            )
            if per_system
            else None
        ),
        "today": timezone.localdate(),
    }
    return render(request, "actionplan/plan.html", context)

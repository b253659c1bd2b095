"""The organisations' mail domains (/manage/domains/), which the issuance domain check reads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import permissions, selectors, services
from accounts.forms import MailDomainsForm
from accounts.views import common


def _require_domain_setter(request) -> None:
    if not selectors.may_set_mail_domains(request.user):
        raise permissions.denied(request, permissions.SET_MAIL_DOMAINS, None)


@login_required
def domain_list(request):
    """The mail domains of the organisations this user may set them for (a search and pages)."""
    _require_domain_setter(request)
    organizations = selectors.mail_domain_organizations(request.user).select_related(
        "prefecture", "parent"
    )
    query = request.GET.get("q", "").strip()
    if query:
        organizations = organizations.filter(
            Q(code__startswith=query) | Q(name__contains=query) | Q(mail_domains__icontains=query)
        )
    if request.GET.get("missing"):
        organizations = organizations.filter(mail_domains="")
    page = Paginator(organizations.order_by("code"), common.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/manage/domains.html",
        {"page": page, "q": query, "missing": bool(request.GET.get("missing"))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def domain_edit(request, code: str):
    _require_domain_setter(request)
    organization = permissions.get_visible_or_404(
        request,
        selectors.mail_domain_organizations(request.user).select_related("prefecture", "parent"),
        permissions.SET_MAIL_DOMAINS,
        code=code,
    )
    form = MailDomainsForm(initial={"mail_domains": organization.mail_domains})
    if request.method == "POST":
        common.refuse_tampering(request, ("mail_domains",))
        form = MailDomainsForm(request.POST)
        if form.is_valid():
            services.set_mail_domains(
                request.user, organization, form.cleaned_data["mail_domains"], request=request
            )
            messages.success(
                request,
                _("%(org)s のメールドメインを保存しました。") % {"org": organization.full_name},
            )
            return redirect("accounts:domains")
    return render(
        request,
        "accounts/manage/domain_edit.html",
        {"form": form, "organization": organization},
        status=400 if form.errors else 200,
    )

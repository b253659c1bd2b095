"""What the management pages (/manage/) share: the hub, who may issue, the page size and the
refusal of a forged post."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts import permissions, services

PAGE_SIZE = 50


@login_required
def hub(request):
    """管理: the management pages this user may open, and nothing else."""
    from pmo.navigation import manage_links

    links = manage_links(request.user)
    if not links:
        raise permissions.denied(request, "manage", None)
    return render(request, "accounts/manage/hub.html", {"links": links})


def require_issuer(request) -> None:
    """The issuance pages: those who manage accounts, or 404 (audited)."""
    permissions.require(request, permissions.MANAGE_ACCOUNTS)


def refuse_tampering(request, form_fields: tuple[str, ...]) -> None:
    """A post with fields the form does not have (is_staff, …) is refused and recorded."""
    extra = set(request.POST) - set(form_fields) - {"csrfmiddlewaretoken"}
    services.refuse_unexpected_fields(extra, target=request.path, request=request)

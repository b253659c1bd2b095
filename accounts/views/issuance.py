"""Account issuance (/manage/accounts/): the list, issuing one account, an account's page and
what the issuer does to it there (stop, restart, re-invite, role, grants, login address)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts import email_changes, permissions, rules, services, sheets
from accounts.filters import AccountFilter
from accounts.forms import EmailChangeForm, IssueForm
from accounts.models import AuditEvent, Invitation, User
from accounts.roles import RANK
from accounts.views import common
from orgs.models import Organization

# Lazy: read in each request's language (a module-level gettext froze them in Japanese).
GRANT_CODES = {
    "edit_plan": gettext_lazy("計画の編集（委託先など）"),
    "follow_up": gettext_lazy("フォローアップ担当"),
}


def manageable_accounts(user):
    """Accounts the user may manage, with what the list shows (a fixed number of queries)."""
    return (
        permissions.visible(user, User.objects.all(), permissions.MANAGE_ACCOUNTS)
        .select_related(
            "organization", "organization__prefecture", "organization__parent", "issued_by"
        )
        .prefetch_related(
            Prefetch("invitations", queryset=Invitation.objects.order_by("-created_at"))
        )
    )


def unused_accounts(user):
    cutoff = timezone.now() - timedelta(days=services.UNUSED_DAYS)
    return manageable_accounts(user).filter(
        Q(is_active=True, activated_at__isnull=False)
        & (Q(last_login__lt=cutoff) | Q(last_login__isnull=True, activated_at__lt=cutoff))
    )


@login_required
def account_list(request):
    common.require_issuer(request)
    accounts = AccountFilter(
        request.GET,
        queryset=manageable_accounts(request.user).order_by("organization__code", "email"),
    )
    page = Paginator(accounts.qs, common.PAGE_SIZE).get_page(request.GET.get("page"))
    unused = unused_accounts(request.user).order_by("last_login")[:100]
    return render(
        request,
        "accounts/manage/list.html",
        {"filter": accounts, "page": page, "unused": unused, "unused_days": services.UNUSED_DAYS},
    )


def _refuse_out_of_reach(request) -> None:
    """Another organisation's id answers 404, a role above the issuer's 403; both recorded."""
    organization_id = request.POST.get("organization", "")
    allowed = permissions.organizations(request.user, permissions.MANAGE_ACCOUNTS)
    if organization_id and not (
        organization_id.isdigit() and allowed.filter(pk=organization_id).exists()
    ):
        raise permissions.denied(
            request, permissions.MANAGE_ACCOUNTS, f"organization={organization_id}"
        )
    role = request.POST.get("role", "")
    if role in RANK:  # before the form, which would only say the choice is not offered
        services.refuse_role_above(request.user, role, target=request.path, request=request)


@login_required
@require_http_methods(["GET", "POST"])
def account_new(request):
    common.require_issuer(request)
    form = IssueForm(issuer=request.user)
    if request.method == "POST":
        common.refuse_tampering(request, IssueForm.FIELDS)
        _refuse_out_of_reach(request)
        form = IssueForm(request.POST, issuer=request.user)
        if form.is_valid():
            (user,) = services.issue_accounts(
                request.user, [sheets._account(form)], request=request
            )
            messages.success(
                request,
                _("%(name)s さんのアカウントを発行し、案内メールを送りました。")
                % {"name": user.display_name},
            )
            return redirect("accounts:detail", user.pk)
    return render(request, "accounts/manage/new.html", {"form": form})


def _target(request, pk: int) -> User:
    return permissions.get_visible_or_404(
        request,
        User.objects.select_related("organization", "issued_by"),
        permissions.MANAGE_ACCOUNTS,
        pk=pk,
    )


@login_required
def account_detail(request, pk: int):
    common.require_issuer(request)
    target = _target(request, pk)
    events = AuditEvent.objects.filter(target_user=target).select_related("actor")[:50]
    grants = []
    may_grant = permissions.can(request.user, permissions.GRANT_ACCESS)
    if may_grant:
        from guardian.shortcuts import get_objects_for_user

        for code, label in GRANT_CODES.items():
            org: Organization
            for org in get_objects_for_user(
                target, f"orgs.{code}", accept_global_perms=False, with_superuser=False
            ):
                grants.append({"code": code, "label": label, "organization": org})
    return render(
        request,
        "accounts/manage/detail.html",
        {
            "target": target,
            "events": events,
            "grants": grants,
            "grant_codes": GRANT_CODES,
            "may_grant": may_grant,
            "can_act": permissions.may_act_on(request.user, target),
            "roles": rules.assignable_roles(
                request.user.role, target.organization.kind if target.organization else None
            ),
        },
    )


@login_required
@require_POST
def account_action(request, pk: int, action: str):
    common.require_issuer(request)
    target = _actable(request, pk)
    if action == "stop":
        services.stop_account(request.user, target, request=request)
        messages.success(request, _("アカウントを停止しました。利用中のセッションも終了しました。"))
    elif action == "restart":
        services.restart_account(request.user, target, request=request)
        messages.success(request, _("アカウントを再開しました。"))
    elif action == "resend":
        if target.activated_at:
            messages.error(request, _("利用開始済みのアカウントには案内を再送できません。"))
        else:
            services.resend_invitation(request.user, target, request=request)
            messages.success(request, _("利用開始の案内を再送しました（7日間有効）。"))
    elif action == "role":
        role = request.POST.get("role", "")
        kind = target.organization.kind if target.organization else None
        allowed = rules.assignable_roles(request.user.role, kind)
        if role not in allowed:
            raise permissions.denied(request, permissions.MANAGE_ACCOUNTS, target)
        services.change_role(request.user, target, role, request=request)
        messages.success(request, _("役割を変更しました。"))
    elif action in ("grant", "revoke"):
        _grant_action(request, target, action)
    else:
        raise permissions.denied(request, permissions.MANAGE_ACCOUNTS, target)
    return redirect("accounts:detail", target.pk)


def _grant_action(request, target: User, action: str) -> None:
    """Object grants (guardian): only on organisations the issuer manages."""
    code = request.POST.get("permission", "")
    if not permissions.can(request.user, permissions.GRANT_ACCESS) or code not in GRANT_CODES:
        raise permissions.denied(request, permissions.MANAGE_ACCOUNTS, target)
    organization = permissions.get_visible_or_404(
        request,
        permissions.organizations(request.user, permissions.MANAGE_ACCOUNTS),
        permissions.VIEW,
        code=request.POST.get("organization_code", "").strip(),
    )
    if action == "grant":
        services.grant(request.user, target, code, organization, request=request)
        messages.success(
            request, _("%(org)s への権限を付与しました。") % {"org": organization.full_name}
        )
    else:
        services.revoke(request.user, target, code, organization, request=request)
        messages.success(
            request, _("%(org)s への権限を取り消しました。") % {"org": organization.full_name}
        )


def _actable(request, pk: int) -> User:
    """An account the issuer may act on: in reach, not their own, not above their role."""
    target = _target(request, pk)
    if not permissions.may_act_on(request.user, target):
        raise permissions.denied(request, permissions.MANAGE_ACCOUNTS, target)
    return target


@login_required
@require_http_methods(["GET", "POST"])
def account_email(request, pk: int):
    """The issuer changes an account's login address; the new address confirms it."""
    common.require_issuer(request)
    target = _actable(request, pk)
    form = EmailChangeForm(target=target)
    if request.method == "POST":
        common.refuse_tampering(request, EmailChangeForm.FIELDS)
        form = EmailChangeForm(request.POST, target=target)
        if form.is_valid():
            email_changes.request_email_change(
                request.user,
                target,
                form.cleaned_data["email"],
                outside_domain=form.outside_domain,
                request=request,
            )
            messages.success(
                request,
                _(
                    "%(email)s に確認のメールを送りました。本人がリンクを開いて確認すると"
                    "変更されます（%(days)d日間有効）。現在のアドレスにもお知らせを送りました。"
                )
                % {"email": form.cleaned_data["email"], "days": email_changes.EMAIL_CHANGE_DAYS},
            )
            return redirect("accounts:detail", target.pk)
    pending = [c for c in target.email_changes.all()[:5] if c.is_open]
    return render(
        request,
        "accounts/manage/email.html",
        {"form": form, "target": target, "pending": pending[0] if pending else None},
        status=400 if form.errors else 200,
    )

"""Account issuance (/manage/accounts/), the audit trail and the activation link."""

from __future__ import annotations

import csv
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import (
    audit_text,
    bulk,
    email_changes,
    invitations,
    permissions,
    rules,
    selectors,
    services,
    sheets,
    tasks,
)
from accounts.filters import AccountFilter, AuditFilter
from accounts.forms import EmailChangeForm, IssueForm, MailDomainsForm
from accounts.models import AuditEvent, Invitation, IssueJob, User
from accounts.roles import RANK
from orgs.models import Organization
from pmo import job_views, keyset, upload_jobs, xlsx
from pmo.http import attachment, streaming_attachment
from pmo.sheets import RowError

PAGE_SIZE = 50
# Lazy: read in each request's language (a module-level gettext froze them in Japanese).
GRANT_CODES = {
    "edit_plan": gettext_lazy("計画の編集（委託先など）"),
    "follow_up": gettext_lazy("フォローアップ担当"),
}


@login_required
def hub(request):
    """管理: the management pages this user may open, and nothing else."""
    from pmo.navigation import manage_links

    links = manage_links(request.user)
    if not links:
        raise permissions.denied(request, "manage", None)
    return render(request, "accounts/manage/hub.html", {"links": links})


def _require_issuer(request) -> None:
    permissions.require(request, permissions.MANAGE_ACCOUNTS)


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
    _require_issuer(request)
    accounts = AccountFilter(
        request.GET,
        queryset=manageable_accounts(request.user).order_by("organization__code", "email"),
    )
    page = Paginator(accounts.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    unused = unused_accounts(request.user).order_by("last_login")[:100]
    return render(
        request,
        "accounts/manage/list.html",
        {"filter": accounts, "page": page, "unused": unused, "unused_days": services.UNUSED_DAYS},
    )


def _refuse_tampering(request, form_fields: tuple[str, ...]) -> None:
    """A post with fields the form does not have (is_staff, …) is refused and recorded."""
    extra = set(request.POST) - set(form_fields) - {"csrfmiddlewaretoken"}
    services.refuse_unexpected_fields(extra, target=request.path, request=request)


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
    _require_issuer(request)
    form = IssueForm(issuer=request.user)
    if request.method == "POST":
        _refuse_tampering(request, IssueForm.FIELDS)
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
    _require_issuer(request)
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
    _require_issuer(request)
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
    _require_issuer(request)
    target = _actable(request, pk)
    form = EmailChangeForm(target=target)
    if request.method == "POST":
        _refuse_tampering(request, EmailChangeForm.FIELDS)
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


@login_required
def bulk_template(request):
    _require_issuer(request)
    return attachment(
        sheets.template(request.user), _("アカウント一括発行.xlsx"), xlsx.XLSX_CONTENT_TYPE
    )


@login_required
@require_http_methods(["GET", "POST"])
def bulk_issue(request):
    """A small sheet is issued during the request; a larger one by a worker (bulk.py)."""
    _require_issuer(request)
    errors: list[RowError] = []
    issued: list[User] = []
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("sheet")
        if upload is None:
            errors = [RowError(0, "", _("ファイルを選んでください。"))]
        else:
            received = upload_jobs.receive(
                request,
                upload,
                max_bytes=bulk.MAX_BYTES,
                rows_in=bulk.rows_in,
                start=tasks.start_issue,
                job_page="accounts:bulk_job",
            )
            if received.response:
                return received.response
            if received.refused:
                errors, status = [RowError(0, "", received.refused)], 503
            else:
                errors, issued = _issue_inline(request, upload)
    return render(
        request,
        "accounts/manage/bulk.html",
        {"errors": errors, "issued": issued},
        status=status if status != 200 else (400 if errors else 200),
    )


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
    page = Paginator(organizations.order_by("code"), PAGE_SIZE).get_page(request.GET.get("page"))
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
        _refuse_tampering(request, ("mail_domains",))
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


def _issue_inline(request, upload) -> tuple[list, list]:
    accounts, errors = sheets.read(upload, request.user)
    if not errors and not accounts:
        errors = [RowError(0, "", _("シートに発行するアカウントがありません。"))]
    if errors:
        return errors, []
    issued = services.issue_accounts(request.user, accounts, request=request)
    message = _("%(count)d 件のアカウントを発行しました。") % {"count": len(issued)}
    messages.success(request, message)
    return [], issued


def _own_job(request, pk: int) -> IssueJob:
    _require_issuer(request)
    try:
        return IssueJob.objects.defer("upload").get(pk=pk, issuer=request.user)
    except IssueJob.DoesNotExist:
        raise permissions.denied(request, permissions.MANAGE_ACCOUNTS, {"issue_job": pk}) from None


@login_required
def bulk_job(request, pk: int):
    """The progress, then the result, of a bulk-issuance job (the issuer's own)."""
    job = _own_job(request, pk)
    return job_views.progress_page(
        request, job, "accounts/manage/bulk_job.html", "accounts/manage/_bulk_job.html"
    )


@login_required
@require_POST
def bulk_retry(request, pk: int):
    """Check and issue an interrupted sheet again, as a new job with the same file."""
    return job_views.retry(request, _own_job(request, pk), tasks.start_issue, "accounts:bulk_job")


def visible_events(user):
    return permissions.visible(
        user, AuditEvent.objects.all(), permissions.VIEW_AUDIT
    ).select_related(
        "organization", "organization__prefecture", "organization__parent", "actor", "target_user"
    )


@login_required
def audit_list(request):
    permissions.require(request, permissions.VIEW_AUDIT)
    events = AuditFilter(request.GET, queryset=visible_events(request.user))
    # Keyset pages (pmo.keyset): any page of a million events costs what the first does.
    page = keyset.page(
        events.qs, after=request.GET.get("after"), before=request.GET.get("before"), size=PAGE_SIZE
    )
    return render(request, "accounts/manage/audit.html", {"filter": events, "page": page})


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def audit_export(request):
    permissions.require(request, permissions.VIEW_AUDIT)
    events = AuditFilter(request.GET, queryset=visible_events(request.user)).qs
    writer = csv.writer(_Echo())
    headers = [
        _("日時"),
        _("種類"),
        _("実行者"),
        _("対象"),
        pgettext("column", "団体"),
        _("接続元"),
        _("変更前"),
        _("変更後"),
        _("詳細"),
        _("説明"),
    ]  # in the reader's language, before the response streams

    def rows():
        yield "\ufeff"  # Excel opens UTF-8 CSV correctly with a BOM
        yield writer.writerow(headers)
        described = audit_text.describe_all(keyset.iterate(events, batch=2000), request.user)
        for item in described:
            event = item.event
            yield writer.writerow(
                [
                    xlsx.csv_safe(str(v))
                    for v in (
                        timezone.localtime(event.created_at).strftime("%Y/%m/%d %H:%M:%S"),
                        event.get_kind_display(),
                        event.actor_email,
                        event.target,
                        event.organization.full_name if event.organization else "",
                        event.ip_address or "",
                        event.before or "",
                        event.after or "",
                        event.detail,
                        item.text,
                    )
                ]
            )

    return streaming_attachment(rows(), _("監査ログ.csv"), "text/csv; charset=utf-8")


@never_cache  # the token is in the address and the page names the person
@require_http_methods(["GET", "POST"])
def activate(request, token: str):
    """The mailed link: set a password once. Expired or used links explain what to do."""
    try:
        invitation = invitations.find_invitation(token)
    except invitations.InvitationError as problem:
        return _activation_problem(request, problem)
    user = invitation.user
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitations.activate(token, form.cleaned_data["new_password1"], request=request)
        except invitations.InvitationError as problem:
            return _activation_problem(request, problem)
        messages.success(
            request,
            _("パスワードを設定しました。メールアドレスと新しいパスワードでログインしてください。"),
        )
        return redirect("account_login")
    return render(request, "accounts/activate.html", {"form": form, "account": user})


def closed(request, **kwargs):
    """allauth's own address pages: the login address is issued, so nobody manages it here."""
    raise Http404


@never_cache  # the token is in the address and the page names the person
@require_http_methods(["GET", "POST"])
def confirm_email_change(request, token: str):
    """The link mailed to the new address. An account in use confirms signed in as itself (the
    password and second factor of the old login), so a mistyped address cannot take it over."""
    try:
        change = email_changes.find_email_change(token)
    except email_changes.EmailChangeError as problem:
        return _email_change_problem(request, problem)
    user = change.user
    if user.can_log_in:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.pk != user.pk:
            return _email_change_problem(
                request, email_changes.EmailChangeError("other_user", change)
            )
    if request.method == "POST":
        try:
            email_changes.confirm_email_change(token, request=request)
        except email_changes.EmailChangeError as problem:
            return _email_change_problem(request, problem)
        if user.can_log_in:
            messages.success(
                request,
                _("ログインのメールアドレスを %(email)s に変更しました。")
                % {"email": change.new_email},
            )
            return redirect("top")
        messages.success(
            request,
            _("メールアドレスを確認しました。%(email)s に利用開始の案内を送りました。")
            % {"email": change.new_email},
        )
        return redirect("account_login")
    return render(request, "accounts/email_change_confirm.html", {"change": change})


def _email_change_problem(request, problem: email_changes.EmailChangeError):
    return render(
        request,
        "accounts/email_change_problem.html",
        {"reason": problem.reason},
        status=PROBLEM_STATUS.get(problem.reason, 404),
    )


# A used or expired link is gone (410); an address taken meanwhile is a conflict (409).
PROBLEM_STATUS = {"expired": 410, "used": 410, "taken": 409}


def _activation_problem(request, problem: invitations.InvitationError):
    invitation = problem.invitation
    asked = False
    if request.method == "POST" and request.POST.get("ask_again") and invitation is not None:
        invitations.ask_issuer_again(invitation, request=request)
        asked = True
    return render(
        request,
        "accounts/activate_problem.html",
        {"reason": problem.reason, "invitation": invitation, "asked": asked},
        status=410 if problem.reason in ("expired", "used") else 404,
    )

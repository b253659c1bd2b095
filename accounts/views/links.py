"""The links mailed to a person, opened without signing in: the activation link (set a password
once) and the confirmation of a new login address; and allauth's address pages, closed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import email_changes, invitations


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

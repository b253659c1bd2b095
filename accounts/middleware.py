"""Session limits and the second-factor requirement, applied to every request."""

from __future__ import annotations

import time

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import MFA_REQUIRED

LOGIN_AT = "pmo_login_at"
SEEN_AT = "pmo_seen_at"


class SessionLimitMiddleware:
    """End a session ``SESSION_IDLE_TIMEOUT`` s after its last request or ``SESSION_COOKIE_AGE`` s
    after login, whichever comes first."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            login_at = request.session.setdefault(LOGIN_AT, now)
            seen_at = request.session.get(SEEN_AT, now)
            if (
                now - seen_at > settings.SESSION_IDLE_TIMEOUT
                or now - login_at > settings.SESSION_COOKIE_AGE
            ):
                logout(request)
                messages.info(
                    request,
                    _(
                        "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。"
                    ),
                )
                return redirect(f"{reverse('account_login')}?next={request.path}")
            # Writing once a minute at most keeps the session row from being saved on every click.
            if now - seen_at > 60 or SEEN_AT not in request.session:
                request.session[SEEN_AT] = now
        return self.get_response(request)


class RequireMFAMiddleware:
    """Roles that can see or change others' data reach only the enrolment pages until enrolled."""

    ALLOWED_PREFIXES = (
        "/accounts/2fa/",
        "/accounts/logout/",
        "/accounts/reauthenticate/",
        "/static/",
        "/i18n/",
        "/healthz",
    )

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.MFA_REQUIRED
            and user is not None
            and user.is_authenticated
            and user.role in MFA_REQUIRED
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not is_mfa_enabled(user)
        ):
            if request.method == "GET" and not request.headers.get("HX-Request"):
                messages.warning(
                    request, _("この役割では二要素認証が必要です。認証アプリを登録してください。")
                )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

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
# The time of the latest request, signed and bound to the session key: exact to the request
# without a session write on every click (the stored ``SEEN_AT`` lags behind by design).
SEEN_COOKIE = "pmo_seen"
# The stored time is refreshed once it is older than this share of the idle limit; it only
# matters when the seen cookie is missing, and then it can only end a session early, never late.
STORE_FRACTION = 0.5


def _seen_salt(request) -> str:
    return f"accounts.seen.{request.session.session_key}"


def last_seen(request, default: float) -> float:
    """The latest request of this session: the signed cookie or the stored time, whichever is
    later. Neither can be later than a real request (the cookie is signed by the server)."""
    stored = request.session.get(SEEN_AT, default)
    signed = request.get_signed_cookie(SEEN_COOKIE, default=None, salt=_seen_salt(request))
    try:
        cookie = float(signed) if signed is not None else stored
    except ValueError:
        cookie = stored
    return max(stored, cookie)


def _set_seen_cookie(request, response, now: float) -> None:
    response.set_signed_cookie(
        SEEN_COOKIE,
        f"{now:.3f}",
        salt=_seen_salt(request),
        max_age=settings.SESSION_COOKIE_AGE,
        path=settings.SESSION_COOKIE_PATH,
        domain=settings.SESSION_COOKIE_DOMAIN,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


class SessionLimitMiddleware:
    """End a session ``SESSION_IDLE_TIMEOUT`` s after its last request or ``SESSION_COOKIE_AGE`` s
    after login, whichever comes first.

    The idle clock is exact to the request: every response carries the request time in a signed
    cookie, and the session row is saved only when its own copy has fallen behind by more than
    ``STORE_FRACTION`` of the limit (a 30-minute limit: one write per 15 minutes of activity).
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now = time.time()
        login_at = request.session.setdefault(LOGIN_AT, now)
        if (
            now - last_seen(request, now) > settings.SESSION_IDLE_TIMEOUT
            or now - login_at > settings.SESSION_COOKIE_AGE
        ):
            logout(request)
            messages.info(
                request,
                _("一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。"),
            )
            response = redirect(f"{reverse('account_login')}?next={request.path}")
            response.delete_cookie(SEEN_COOKIE, path=settings.SESSION_COOKIE_PATH)
            return response
        stored = request.session.get(SEEN_AT)
        if stored is None or now - stored > settings.SESSION_IDLE_TIMEOUT * STORE_FRACTION:
            request.session[SEEN_AT] = now
        response = self.get_response(request)
        # A logout or a new login during the request changes the session key: no cookie then.
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            _set_seen_cookie(request, response, now)
        return response


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

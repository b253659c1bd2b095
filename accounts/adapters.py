from __future__ import annotations

from typing import Any

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit

from pmo.clientip import client_ip

APP = "allauth.account"
LOGIN_FAILED = "login_failed"


def _login_failed_rates(*, per_address: bool) -> dict[str, str]:
    """The ``login_failed`` setting cut in two: its per-address rates, or all the others.

    Written back in seconds, each rate keeps its cache key, which the MFA step (which uses
    the whole setting) shares.
    """
    rates = ratelimit.parse_rates(app_settings.RATE_LIMITS.get(LOGIN_FAILED))
    kept = [f"{r.amount}/{r.duration}s/{r.per}" for r in rates if (r.per == "ip") == per_address]
    return {LOGIN_FAILED: ",".join(kept)}


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are issued by an organisation's issuer, never created by sign-up.

    Rate limits see the client behind the trusted proxies (:mod:`pmo.clientip`), and the
    per-address budget of failed logins is spent only on accounts that exist: one gateway
    carries a whole prefecture, and made-up addresses typed there must not lock its real
    users out. The per-account limits are allauth's, unchanged.
    """

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_client_ip(self, request) -> str:
        # allauth refuses a request without an address (403); a unix-socket deployment with
        # no proxy count has none, and shares one bucket rather than locking everyone out.
        return client_ip(request) or "unknown"

    def pre_authenticate(self, request, **credentials: Any) -> None:
        # A spent per-address budget refuses every login from there, existing account or not,
        # so the refusal does not tell which addresses are accounts.
        if not ratelimit.consume(
            request,
            app=APP,
            action=LOGIN_FAILED,
            config=_login_failed_rates(per_address=True),
            dry_run=True,
        ):
            raise self.validation_error("too_many_login_attempts")
        self._login_failed_rl_usage = ratelimit.consume(
            request,
            app=APP,
            action=LOGIN_FAILED,
            config=_login_failed_rates(per_address=False),
            key=self._get_login_attempts_cache_key(request, **credentials),
        )
        if not self._login_failed_rl_usage:
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request, **credentials: Any) -> None:
        from accounts.models import User

        login = credentials.get("email") or credentials.get("username") or ""
        if login and User.objects.filter(email__iexact=login).exists():
            ratelimit.consume(
                request, app=APP, action=LOGIN_FAILED, config=_login_failed_rates(per_address=True)
            )

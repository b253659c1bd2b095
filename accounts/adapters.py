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

    # --- Mail (outbox): allauth's mails go through the outbox like every other mail. --------
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render as allauth does, then write the mail to the outbox (sent and retried there)."""
        from allauth.core import context as allauth_context
        from django.db import transaction

        from outbox import services as outbox

        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": _site()} | context,
        )
        html = next(
            (body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"), ""
        )
        text = message.body
        if message.content_subtype == "html":  # allauth found only an HTML template
            from django.utils.html import strip_tags

            html, text = message.body, strip_tags(message.body)
        with transaction.atomic():
            outbox.enqueue(
                kind="allauth." + template_prefix.rsplit("/", 1)[-1],
                to=message.to,
                subject=message.subject,
                body=text,
                html=html,
                from_email=message.from_email,
                reply_to=message.reply_to,
            )

    def format_email_subject(self, subject: str) -> str:
        return f"[{_site().name}] {subject}"

    def get_reset_password_from_key_url(self, key: str) -> str:
        """The reset link on SITE_URL, like every mailed link (behind an LGWAN gateway or a
        proxy the request's own host is not the address people can open)."""
        from urllib.parse import urlsplit

        from django.conf import settings

        return settings.SITE_URL + urlsplit(super().get_reset_password_from_key_url(key)).path


def _site():
    """The site as mails name it: the portal's name and SITE_URL's host, never the request's."""
    from types import SimpleNamespace
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.utils.translation import gettext

    return SimpleNamespace(name=gettext("デジタルPMO"), domain=urlsplit(settings.SITE_URL).netloc)

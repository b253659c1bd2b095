from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are issued by an organisation's issuer, never created by sign-up."""

    def is_open_for_signup(self, request) -> bool:
        return False

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

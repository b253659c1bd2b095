from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are issued by an organisation's issuer, never created by sign-up."""

    def is_open_for_signup(self, request) -> bool:
        return False

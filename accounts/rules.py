"""Pure rules of account issuance (no database): which roles fit which organisation."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from accounts.freemail import FREE_MAIL_DOMAINS
from accounts.roles import RANK, Role

# The roles an organisation of each kind can hold.
ROLES_BY_KIND: dict[str, tuple[Role, ...]] = {
    "municipality": (Role.STAFF, Role.ACCOUNT_MANAGER),
    "association": (Role.STAFF, Role.ACCOUNT_MANAGER),
    "prefecture": (Role.STAFF, Role.ACCOUNT_MANAGER, Role.PREFECTURE_ADMIN),
    "ministry": (Role.STAFF, Role.REVIEWER, Role.EDITOR, Role.COORDINATOR, Role.SYSADMIN),
}


def assignable_roles(issuer_role: str, organization_kind: str | None = None) -> list[Role]:
    """Roles an issuer may give: never above their own, and fitting the organisation's kind."""
    ceiling = RANK.get(issuer_role, -1)
    fitting = (
        ROLES_BY_KIND.get(organization_kind, tuple(Role)) if organization_kind else tuple(Role)
    )
    return [role for role in Role if RANK[role] <= ceiling and role in fitting]


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def domain_matches(email: str, domains: list[str]) -> bool:
    """Is the address inside one of the organisation's domains (or one of their subdomains)?

    An organisation that lists no domains accepts any address.
    """
    if not domains:
        return True
    domain = email_domain(email)
    return any(_within(domain, d) for d in domains)


def _within(domain: str, parent: str) -> bool:
    return domain == parent or domain.endswith("." + parent)


def is_free_mail(email_or_domain: str) -> bool:
    """An address (or domain) at a free mail service (``accounts.freemail``), subdomains too."""
    domain = email_domain(email_or_domain)
    return any(_within(domain, free) for free in FREE_MAIL_DOMAINS)


def needs_domain_confirmation(email: str, domains: list[str]) -> bool:
    """Must the issuer confirm this address explicitly before it becomes a login address?

    Outside the organisation's domains when it has some; at a free mail service when it has
    none on record.
    """
    return not domain_matches(email, domains) if domains else is_free_mail(email)


DOMAIN_SYNTAX = re.compile(
    r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$"
)


def domain_problem(domain: str) -> str | None:
    """Why ``domain`` cannot be an organisation's mail domain (a Japanese message), or None."""
    if not DOMAIN_SYNTAX.match(domain):
        return _(
            "「%(domain)s」はメールドメインの形式ではありません（例: city.sapporo.lg.jp）。"
        ) % {"domain": domain}
    if is_free_mail(domain):
        return _(
            "「%(domain)s」はフリーメールのドメインです。団体のドメインには登録できません。"
        ) % {"domain": domain}
    return None

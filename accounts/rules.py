"""Pure rules of account issuance (no database): which roles fit which organisation."""

from __future__ import annotations

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
    return any(domain == d or domain.endswith("." + d) for d in domains)

"""Reads of the accounts app that several views (and the management menu) share."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts import permissions
from accounts.roles import Role
from orgs.models import Organization


def mail_domain_organizations(user) -> QuerySet[Organization]:
    """The organisations whose mail domains ``user`` may set.

    A prefecture admin: the prefecture and the municipalities in it; a system administrator:
    every organisation; nobody else (an account manager would vouch for its own addresses).
    Issuance reach (MANAGE_ACCOUNTS) narrowed to those two roles.
    """
    if not permissions.has_role(user, Role.SYSADMIN, Role.PREFECTURE_ADMIN):
        return Organization.objects.none()
    return permissions.organizations(user, permissions.MANAGE_ACCOUNTS)


def may_set_mail_domains(user) -> bool:
    return permissions.has_role(user, Role.SYSADMIN, Role.PREFECTURE_ADMIN)

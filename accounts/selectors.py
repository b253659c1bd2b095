"""Reads of the accounts app that several views (and the management menu) share."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts import permissions
from orgs.models import Organization


def mail_domain_organizations(user) -> QuerySet[Organization]:
    """The organisations whose mail domains ``user`` may set (``SET_MAIL_DOMAINS``): a
    prefecture admin its prefecture and municipalities, a system administrator every one."""
    return permissions.organizations(user, permissions.SET_MAIL_DOMAINS)


def may_set_mail_domains(user) -> bool:
    return permissions.can(user, permissions.SET_MAIL_DOMAINS)

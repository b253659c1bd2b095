from __future__ import annotations

from django import template

from accounts import audit_text, selectors

register = template.Library()


@register.filter
def may_set_mail_domains(user) -> bool:
    return selectors.may_set_mail_domains(user)


@register.simple_tag
def audit_described(events, user):
    """The page's events as sentences with links (:func:`accounts.audit_text.describe`)."""
    return audit_text.describe(events, user)


@register.filter
def may_assign_reviewers(user) -> bool:
    """The assigned-reviewers page's link (the door decides: coordinator, administrator)."""
    from accounts import permissions

    return permissions.can(user, permissions.ASSIGN_REVIEWERS)

from __future__ import annotations

from django import template

from accounts import audit_text

register = template.Library()


@register.simple_tag
def audit_described(events, user):
    """The page's events as sentences with links (:func:`accounts.audit_text.describe`)."""
    return audit_text.describe(events, user)

from __future__ import annotations

from django import template

from accounts import selectors

register = template.Library()


@register.filter
def may_set_mail_domains(user) -> bool:
    return selectors.may_set_mail_domains(user)

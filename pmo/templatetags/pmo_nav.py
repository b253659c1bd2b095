"""Section sub-menus, built from the same permission answers as the pages they link to
(:mod:`pmo.navigation`), so nobody is offered a link that answers 404."""

from __future__ import annotations

from django import template

from pmo import navigation

register = template.Library()


@register.simple_tag
def review_links(user, programme=None):
    return navigation.review_links(user, programme or None)


@register.simple_tag
def account_links(user):
    return navigation.account_links(user)

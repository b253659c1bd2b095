"""Template filters of the review pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """``12.5`` → ``12.5%``; no figure (nothing to count) → ``—``, never ``—%``."""
    return "—" if value is None else f"{value}%"

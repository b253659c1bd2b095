"""Template filters of the review pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """``12.5`` → ``12.5%``; no figure (nothing to count) → ``—``, never ``—%``."""
    return "—" if value is None else f"{value}%"


@register.filter
def follow_up_label(state: str | None) -> str:
    """A follow-up state code (``open``…) as its label; no follow-up → ``—``."""
    from review.models import FollowUp

    return str(FollowUp.State(state).label) if state else "—"

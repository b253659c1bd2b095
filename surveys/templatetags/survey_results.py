"""Filters of the results page."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.filter
def cells(values) -> str:
    """One ``<td>`` per value, each escaped: a row of the answers table in one step (a page
    is 50 organisations × every question; a template loop per cell cost as much as the
    page's queries)."""
    return format_html_join("", "<td>{}</td>", ((value,) for value in values))

"""Text filters: Japanese punctuation that English writes differently."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


@register.filter
def parenthesized(value: object) -> str:
    """``{{ name|parenthesized }}`` → （name） in Japanese, (name) in English; escaped."""
    return format_html(gettext("（{text}）"), text=value)

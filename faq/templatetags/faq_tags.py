from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from faq import richtext as richtext_module

register = template.Library()


@register.filter
def richtext(value: str | None) -> SafeString:
    """An FAQ answer as sanitised HTML (allow-listed tags only)."""
    return richtext_module.render(value)

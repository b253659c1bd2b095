"""The page shell: its icon and the contrast of the badge colours people read."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.staticfiles import finders

CSS = settings.BASE_DIR / "static" / "css" / "pmo.css"
TOKENS = settings.BASE_DIR / "static" / "vendor" / "design-tokens" / "tokens.css"


def _variables(path) -> dict[str, str]:
    return dict(re.findall(r"(--[\w-]+):\s*([^;]+);", path.read_text()))


def _colour(name: str, variables: dict[str, str]) -> str:
    value = variables[name]
    while value.startswith("var("):
        value = variables[value[4:-1]]
    return value


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_every_badge_colour_reads_at_aa_on_the_page_and_on_cards():
    """Badges sit on cards (white) and on the page itself (the grey background)."""
    variables = {**_variables(TOKENS), **_variables(CSS)}
    backgrounds = [_colour(name, variables) for name in ("--pmo-surface", "--pmo-background")]
    for name in ("--pmo-success", "--pmo-warning", "--pmo-error", "--pmo-text-muted"):
        for background in backgrounds:
            assert contrast(_colour(name, variables), background) >= 4.5, (name, background)


def test_the_portal_has_an_icon(client):
    page = client.get("/accounts/login/").content.decode()
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg"', page)
    assert finders.find("favicon.svg")

"""The Content-Security-Policy the portal sends, as the tests expect it (tests/test_csp.py and
the browser journeys' recorder in tests/browser/conftest.py)."""

from __future__ import annotations

CSP_EXPECTED = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def parse_csp(header: str) -> dict[str, list[str]]:
    """{directive: sources} of a header (django-csp does not keep the directives' order)."""
    policy: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in policy, f"{name} given twice in {header!r}"
        policy[name] = sources
    return policy

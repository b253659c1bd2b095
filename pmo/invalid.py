"""The one invalid-input exception every service raises (library layer).

A service that refuses input raises :class:`Invalid` before it writes anything: ``errors`` maps
a form field (or ``"__all__"``) to a message in the active language, which the view puts next
to the field the person is looking at (``form.add_error``). Nothing is half-saved.
"""

from __future__ import annotations


class Invalid(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors

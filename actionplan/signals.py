"""The action plan's domain signals (defined apart, so the write modules that send them,
:mod:`actionplan.services` and :mod:`actionplan.publishing`, and the apps that listen
import them without importing each other)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that saved entries, once per save or once per sheet import with
# every id, so a receiver (delay detection re-judging) can work in bulk and commit or roll
# back with the entries. kwargs: entry_ids: list[int]; created: bool (optional, default False:
# the entries were all created in this transaction and never judged, as publishing does)
entry_saved = Signal()
# Sent inside the transaction that wrote the advice, so the organisation is told (review
# listens: a review event and its notices commit or roll back with the advice).
# kwargs: advice: Advice
advice_added = Signal()

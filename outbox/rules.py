"""When a mail that failed is tried again, and when the outbox gives up (pure, table-tested)."""

from __future__ import annotations

import datetime as dt

# Tries before a mail is marked failed. With the delays below the last try is about 8.5 hours
# after the first: an SMTP relay down for a working morning loses nothing.
MAX_ATTEMPTS = 10
FIRST_DELAY = dt.timedelta(minutes=1)
LONGEST_DELAY = dt.timedelta(hours=6)
# A mail claimed this long ago and still "sending" belongs to a worker that died mid-send.
STALE = dt.timedelta(minutes=15)


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: 1, 2, 4, 8 … minutes, at most 6 hours."""
    if attempts < 1:
        return dt.timedelta(0)
    return min(FIRST_DELAY * 2 ** min(attempts - 1, 20), LONGEST_DELAY)


def gives_up(attempts: int) -> bool:
    """After this many failed tries the mail is ``failed`` (kept, with its last error)."""
    return attempts >= MAX_ATTEMPTS

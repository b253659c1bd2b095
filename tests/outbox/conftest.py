from __future__ import annotations

import pytest


@pytest.fixture
def queue(db):
    """``queue(n)``: write ``n`` mails to the outbox (committed, no immediate try)."""
    from outbox import services

    def write(count: int = 1, **fields):
        return [
            services.enqueue(
                kind=fields.get("kind", "test"),
                to=fields.get("to", [f"user{index}@city.sapporo.lg.jp"]),
                subject=fields.get("subject", f"件名 {index}"),
                body=fields.get("body", f"本文 {index}"),
                html=fields.get("html", ""),
                reply_to=fields.get("reply_to", ()),
            )
            for index in range(count)
        ]

    return write

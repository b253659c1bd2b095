"""Fixtures that give a fault test its own Redis or Postgres (see :mod:`tests.services`)."""

from __future__ import annotations

import pytest

from tests.services import PostgresServer, RedisServer


@pytest.fixture
def own_redis():
    """A Redis of this test's own, running; the test may ``stop()`` and ``start()`` it."""
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def own_postgres():
    """A Postgres cluster of this test's own, running; ``stop()``/``start()`` at will."""
    server = PostgresServer().init().start()
    yield server
    server.remove()

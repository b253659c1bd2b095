"""The throwaway servers themselves: they start, answer, stop and come back."""

from __future__ import annotations

import psycopg
import pytest
import redis


def test_own_redis_stops_and_starts(own_redis):
    client = redis.Redis.from_url(own_redis.url, socket_connect_timeout=1)
    assert client.ping()
    assert own_redis.port != 6379
    own_redis.stop()
    with pytest.raises(redis.ConnectionError):
        client.ping()
    own_redis.start()
    assert client.ping()


def test_own_postgres_stops_and_starts(own_postgres):
    assert own_postgres.port != 5432
    with psycopg.connect(own_postgres.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    own_postgres.stop()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(own_postgres.url, connect_timeout=2)
    own_postgres.start()
    with psycopg.connect(own_postgres.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)

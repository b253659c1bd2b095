"""Login with the rate-limit cache (Redis) down: it works, and the limits come back with Redis."""

from __future__ import annotations

import logging

import pytest
import redis

from pmo.cache import RATE_LIMIT_PREFIX, RedisCache
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


def login(client, email, password):
    return client.post(LOGIN, {"login": email, "password": password})


@pytest.fixture
def redis_cache(settings, own_redis, monkeypatch):
    """The portal's cache on a Redis of this test's own; limits retry Redis at once."""
    settings.CACHES = {
        "default": {
            "BACKEND": "pmo.cache.RedisCache",
            "LOCATION": own_redis.url,
            "KEY_PREFIX": "pmo",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 3},
        }
    }
    monkeypatch.setattr(RedisCache, "outage_seconds", 0.0)
    monkeypatch.setattr(RedisCache, "_skip_until", 0.0)
    return own_redis


def test_login_works_with_redis_down_and_limits_resume(client, alice, redis_cache, caplog):
    redis_cache.stop()
    with caplog.at_level(logging.WARNING, logger="pmo.cache"):
        response = login(client, alice.email, PASSWORD)
    assert response.status_code == 302 and response.url == "/"
    assert "login rate limits are not applied" in caplog.text
    # A page that needs only the session (in the database) is unaffected.
    assert client.get("/").status_code == 200
    client.logout()
    # A wrong password is a wrong password, not a server error.
    assert login(client, alice.email, "wrong").status_code == 200

    redis_cache.start()
    for _ in range(5):
        assert login(client, alice.email, "wrong").status_code == 200
    refused = login(client, alice.email, PASSWORD)
    assert refused.status_code in (200, 429) and "_auth_user_id" not in client.session


def test_an_outage_is_not_retried_on_every_call(redis_cache, monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(RedisCache, "outage_seconds", 60.0)
    key = RATE_LIMIT_PREFIX + "allauth.account:login:probe"
    cache.set(key, [1.0])
    redis_cache.stop()
    assert cache.get(key, []) == []
    redis_cache.start()
    # Within the outage window the limits still skip Redis...
    assert cache.get(key, []) == []
    monkeypatch.setattr(RedisCache, "_skip_until", 0.0)
    # ...and read it again afterwards (a fresh server: the old counts are gone).
    cache.set(key, [2.0])
    assert cache.get(key, []) == [2.0]


def test_other_keys_still_see_the_error(redis_cache):
    from django.core.cache import cache

    redis_cache.stop()
    with pytest.raises(redis.ConnectionError):
        cache.get("job-progress:1")

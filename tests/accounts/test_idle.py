"""The idle limit is exact to the request, and the session row is not saved on every click."""

from __future__ import annotations

import time

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore

from accounts.middleware import SEEN_COOKIE


@pytest.fixture
def session_saves(monkeypatch):
    """Counts the saves of the session row (each one an UPDATE of django_session)."""
    saves = []
    original = SessionStore.save

    def save(self, *args, **kwargs):
        saves.append(time.time())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SessionStore, "save", save)
    return saves


def _logged_out(response) -> bool:
    return response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_clicking_every_30_seconds_with_a_60_second_limit_stays_logged_in(
    client, world, settings, session_saves
):
    settings.SESSION_IDLE_TIMEOUT = 60
    with time_machine.travel(time.time(), tick=False) as clock:
        client.force_login(world["staff"])
        assert client.get("/").status_code == 200
        session_saves.clear()
        for _ in range(20):  # ten minutes
            clock.shift(30)
            assert client.get("/").status_code == 200
        # The stored copy is refreshed when older than half the limit: every other click here.
        assert len(session_saves) <= 10


def test_61_seconds_idle_logs_out(client, world, settings):
    settings.SESSION_IDLE_TIMEOUT = 60
    with time_machine.travel(time.time(), tick=False) as clock:
        client.force_login(world["staff"])
        assert client.get("/").status_code == 200
        clock.shift(50)
        assert client.get("/").status_code == 200
        clock.shift(59)  # 59 s after the last request, 109 s after the stored time: still in
        assert client.get("/").status_code == 200
        clock.shift(61)
        response = client.get("/")
        assert _logged_out(response)
        assert response.cookies[SEEN_COOKIE].value == ""  # the seen cookie is removed
        assert _logged_out(client.get("/"))


def test_writes_happen_far_less_than_once_per_request(client, world, settings, session_saves):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    with time_machine.travel(time.time(), tick=False) as clock:
        client.force_login(world["staff"])
        client.get("/")
        session_saves.clear()
        for _ in range(360):  # a click every 10 s for an hour
            clock.shift(10)
            assert client.get("/").status_code == 200
        assert 1 <= len(session_saves) <= 4  # one per 15 minutes of activity


def test_a_forged_or_foreign_seen_cookie_does_not_extend_the_session(client, world, settings):
    settings.SESSION_IDLE_TIMEOUT = 60
    with time_machine.travel(time.time(), tick=False) as clock:
        client.force_login(world["staff"])
        assert client.get("/").status_code == 200
        clock.shift(120)
        client.cookies[SEEN_COOKIE] = f"{time.time():.3f}"  # unsigned
        assert _logged_out(client.get("/"))


def test_without_the_seen_cookie_the_stored_time_decides_and_ends_early_never_late(
    client, world, settings
):
    settings.SESSION_IDLE_TIMEOUT = 60
    with time_machine.travel(time.time(), tick=False) as clock:
        client.force_login(world["staff"])
        assert client.get("/").status_code == 200
        clock.shift(20)
        assert client.get("/").status_code == 200
        del client.cookies[SEEN_COOKIE]
        clock.shift(50)  # 50 s after the last request but 70 s after the stored time
        assert _logged_out(client.get("/"))

"""Passwords are stored with Argon2id at the portal's cost; older PBKDF2 hashes still log in
and are upgraded on the way."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password

from tests.conftest import PASSWORD

PRODUCTION_HASHERS = [
    "accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


@pytest.fixture
def real_hashers(settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS  # the suite uses MD5 for speed


def test_new_passwords_are_argon2id_at_the_owasp_setting(real_hashers):
    encoded = make_password("a-long-enough-password")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.django_db
def test_a_pbkdf2_hash_logs_in_through_the_form_and_is_upgraded(real_hashers, client, alice):
    alice.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    alice.save(update_fields=["password"])
    response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/"
    alice.refresh_from_db()
    assert alice.password.startswith("argon2$argon2id$")

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
TOKYO = ZoneInfo("Asia/Tokyo")


def login(client, email, password):
    return client.post(LOGIN, {"login": email, "password": password})


@pytest.mark.django_db
def test_login_page_is_japanese(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert response["Content-Language"] == "ja"
    body = response.content.decode()
    assert '<html lang="ja">' in body
    assert "メールアドレス" in body and "パスワード" in body


@pytest.mark.django_db
def test_english_only_when_chosen(client):
    client.post("/i18n/setlang/", {"language": "en", "next": LOGIN})
    assert client.get(LOGIN)["Content-Language"] == "en"


@pytest.mark.django_db
def test_browser_language_does_not_override_japanese(client):
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "ja"


def test_login_then_logout(client, alice):
    response = login(client, alice.email, PASSWORD)
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_email_is_case_insensitive(client, alice):
    assert login(client, alice.email.upper(), PASSWORD).status_code == 302


def test_previous_login_is_the_one_before_this(client, alice):
    first = datetime(2015, 7, 9, 10, 47, tzinfo=TOKYO)
    with time_machine.travel(first, tick=False):
        login(client, alice.email, PASSWORD)
    client.logout()
    with time_machine.travel(datetime(2015, 7, 10, 9, 0, tzinfo=TOKYO), tick=False):
        login(client, alice.email, PASSWORD)
        body = client.get("/").content.decode()
    assert "前回ログイン: <time" in body
    assert "2015/07/09 10:47" in body
    alice.refresh_from_db()
    assert alice.previous_login == first


def test_wrong_password_and_unknown_account_get_the_same_message(client, alice):
    wrong = login(client, alice.email, "not-the-password").content.decode()
    unknown = login(client, "nobody@example.jp", "not-the-password").content.decode()

    def error(body: str) -> str:
        start = body.index('role="alert"')
        return body[start : body.index("</div>", start)]

    assert error(wrong) == error(unknown)
    assert "メールアドレス" in error(wrong)


def test_sixth_failure_within_five_minutes_is_refused(client, alice):
    with time_machine.travel(datetime(2015, 7, 9, 10, 0, tzinfo=TOKYO), tick=False) as clock:
        for _ in range(5):
            assert login(client, alice.email, "wrong").status_code == 200
        clock.shift(60)
        response = login(client, alice.email, PASSWORD)
        # Even the right password is refused while the account is rate limited.
        assert response.status_code in (200, 429)
        assert "_auth_user_id" not in client.session
        clock.shift(5 * 60)
        assert login(client, alice.email, PASSWORD).status_code == 302


def test_rate_limit_is_per_account(client, alice):
    from tests.factories import UserFactory

    bob = UserFactory(email="bob@example.jp", organization=alice.organization)
    for _ in range(5):
        login(client, alice.email, "wrong")
    assert login(client, bob.email, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_signup_is_closed(client):
    response = client.get("/accounts/signup/")
    assert response.status_code in (200, 403)
    assert 'name="password1"' not in response.content.decode()


def test_admin_login_goes_through_allauth(client, alice):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_top_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_top_shows_the_users_organisation(client, alice):
    client.force_login(alice)
    body = client.get("/").content.decode()
    assert "北海道 札幌市" in body
    assert "札幌 アリス さん" in body
    assert "011002" in body
    for label in ("TOP", "ログアウト", "お知らせ"):
        assert label in body


# --- Limits sized for LGWAN gateways (one address can stand for a whole prefecture) ----------


def test_made_up_accounts_never_lock_out_real_ones(client, alice, settings):
    # Even at the old per-address limit of 20 failures a minute...
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed": "20/m/ip,5/5m/key",
    }
    for n in range(21):
        assert login(client, f"nobody{n}@example.jp", "wrong").status_code == 200
    # ...the gateway's real users still log in.
    assert login(client, alice.email, PASSWORD).status_code == 302


def test_failures_on_real_accounts_spend_the_address_budget(client, alice, settings):
    from tests.factories import UserFactory

    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip"}
    others = [UserFactory(organization=alice.organization) for _ in range(3)]
    with time_machine.travel(datetime(2015, 7, 9, 10, 0, tzinfo=TOKYO), tick=False) as clock:
        for other in others:
            login(client, other.email, "wrong")
        refused = login(client, alice.email, PASSWORD)
        assert refused.status_code == 200 and "_auth_user_id" not in client.session
        # A made-up account is refused with the same words: the refusal names no accounts.
        unknown = login(client, "nobody@example.jp", "wrong")
        assert _errors(refused) == _errors(unknown)
        assert "ログイン" in _errors(refused)
        clock.shift(61)
        assert login(client, alice.email, PASSWORD).status_code == 302


def _errors(response) -> str:
    body = response.content.decode()
    start = body.index('role="alert"')
    return body[start : body.index("</div>", start)]


def test_a_gateway_carries_a_thousand_logins_a_minute(client, alice, rf, settings):
    """The default limits; allauth's own (30 posts a minute per address) refuse the 31st."""
    from allauth.core.internal import ratelimit

    from accounts.adapters import _login_failed_rates

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    gateway = rf.post(LOGIN, REMOTE_ADDR="127.0.0.1")  # the test client's address
    with time_machine.travel(datetime(2015, 7, 9, 8, 30, tzinfo=TOKYO), tick=False):
        # 999 other logins through this gateway within the minute, and one in ten of them
        # first mistyped the password of a real account...
        for _ in range(999):
            assert ratelimit.consume(gateway, app="allauth.account", action="login")
        for _ in range(100):
            assert ratelimit.consume(
                gateway,
                app="allauth.account",
                action="login_failed",
                config=_login_failed_rates(per_address=True),
            )
        # ...and the thousandth gets in.
        assert login(client, alice.email, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LOGIN_RATE_LIMIT", "lots"),
        ("LOGIN_FAILED_RATE_LIMIT", "20/minute/ip"),
        ("LOGIN_FAILED_RATE_LIMIT", ""),
        ("PASSWORD_RESET_RATE_LIMIT", "5/m/everyone"),
    ],
)
def test_a_bad_rate_stops_start_up_naming_the_variable(name, value):
    from pmo.env import Env, EnvError

    with pytest.raises(EnvError, match=name):
        Env({name: value}).rate_limit(name, "1/m/ip")


def test_rates_keep_the_allauth_spelling():
    from pmo.env import Env

    env = Env({"LOGIN_FAILED_RATE_LIMIT": "50/m/ip, 5/5m/key", "LOGIN_RATE_LIMIT": "1000/1.5m"})
    assert env.rate_limit("LOGIN_FAILED_RATE_LIMIT", "") == "50/m/ip, 5/5m/key"
    assert env.rate_limit("LOGIN_RATE_LIMIT", "") == "1000/1.5m"

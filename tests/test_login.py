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

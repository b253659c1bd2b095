"""Error pages: Japanese, in the portal's shell, with a way back; 500 without the database."""

from __future__ import annotations

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import include, path

from tests.conftest import PASSWORD

TOKYO = ZoneInfo("Asia/Tokyo")
TOP_LINK = 'href="/">'


def forbidden(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("a bug")


# For the tests marked ``urls(__name__)``: two views that fail, then the portal's own URLs.
urlpatterns = [
    path("test-errors/403/", forbidden),
    path("test-errors/500/", broken),
    path("", include("pmo.urls")),
]


def database_down():
    """Every query fails as when Postgres is unreachable."""
    down = OperationalError("could not connect to server: Connection refused")
    return mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=down)


@pytest.mark.django_db
def test_missing_page_for_anonymous(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert '<html lang="ja">' in body
    assert "ページが見つかりません" in body
    assert TOP_LINK in body and "TOPへ戻る" in body
    assert 'class="site-header"' in body  # the portal's shell


def test_missing_page_for_a_logged_in_user(client, alice):
    client.force_login(alice)
    body = client.get("/orgs/999999/nothing/").content.decode()
    assert "ページが見つかりません" in body
    assert "札幌 アリス さん" in body  # the shell knows who is there
    assert 'aria-label="メインメニュー"' in body
    assert "TOPへ戻る" in body


@pytest.mark.django_db
def test_missing_page_in_english_when_chosen(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "Page not found" in body and "ページが見つかりません" not in body
    assert "Back to TOP" in body


@pytest.mark.django_db
def test_bad_request_is_japanese(client):
    response = client.get("/", HTTP_HOST="attacker.example")  # not in ALLOWED_HOSTS
    assert response.status_code == 400
    body = response.content.decode()
    assert "リクエストを処理できませんでした" in body and "TOPへ戻る" in body


@pytest.mark.urls(__name__)
def test_forbidden_is_japanese(client, alice):
    client.force_login(alice)
    response = client.get("/test-errors/403/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "この操作はできません" in body and "TOPへ戻る" in body


@pytest.mark.django_db
def test_stale_form_is_explained(alice):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert response.status_code == 403
    body = response.content.decode()
    assert "送信を受け付けられませんでした" in body and "読み込み直し" in body


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_server_error_is_japanese():
    response = Client(raise_request_exception=False).get("/test-errors/500/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "システムエラーが発生しました" in body and "TOPへ戻る" in body


def test_server_error_renders_with_the_database_down(alice):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    with database_down():
        response = client.get("/")  # the session and the user are read from the database
    assert response.status_code == 500
    body = response.content.decode()
    assert '<html lang="ja">' in body
    assert "システムエラーが発生しました" in body
    assert TOP_LINK in body


@pytest.mark.django_db
def test_too_many_requests_says_when_to_retry(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "1/m/ip"}
    with time_machine.travel(datetime(2015, 7, 9, 10, 47, 10, tzinfo=TOKYO), tick=False):
        client.post("/accounts/login/", {"login": "a@example.jp", "password": "x"})
        response = client.post("/accounts/login/", {"login": "a@example.jp", "password": "x"})
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    body = response.content.decode()
    assert "アクセスが集中しています" in body
    assert "<strong>10:48</strong> ごろ（約1分後）に、もう一度お試しください。" in body
    assert 'class="site-header"' in body and "TOPへ戻る" in body

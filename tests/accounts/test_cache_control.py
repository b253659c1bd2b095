"""Private pages, exports and downloads are never stored by a proxy or the browser."""

from __future__ import annotations

import pytest

from pmo.middleware import cc_directives
from tests.accounts.test_tenancy_matrix import document_download, plan_page, plan_sub


def _directives(response) -> set[str]:
    return set(cc_directives(response.get("Cache-Control", "")))


@pytest.mark.parametrize(
    "build",
    [plan_page, plan_sub(".xlsx"), document_download],
    ids=["plan page", "plan export", "stored file download"],
)
def test_signed_in_responses_are_private_and_never_stored(client, world, build):
    url, _ = build(world, world["sapporo"], "CACHE")
    client.force_login(world["staff"])
    response = client.get(url)
    assert response.status_code == 200
    directives = _directives(response)
    assert {"private", "no-store"} <= directives
    assert "public" not in directives and "max-age" not in directives


def test_management_csv_export_is_private(client, world):
    client.force_login(world["pref_admin"])
    response = client.get("/manage/audit.csv")
    assert response.status_code == 200
    assert {"private", "no-store"} <= _directives(response)


def test_a_stricter_header_of_the_view_is_kept(client, world):
    client.force_login(world["staff"])
    response = client.get("/healthz")  # never_cache: max-age=0, no-cache, no-store, …
    assert "must-revalidate" in _directives(response)
    assert "no-store" in _directives(response)


def test_the_login_page_is_never_stored_either(client, db):
    # allauth marks it never_cache itself (it carries the CSRF token).
    assert "no-store" in _directives(client.get("/accounts/login/"))


def _through_middleware(user, header: str) -> str:
    from django.http import HttpResponse
    from django.test import RequestFactory

    from pmo.middleware import PrivateNoStoreMiddleware

    def view(request):
        response = HttpResponse("x")
        response["Cache-Control"] = header
        return response

    request = RequestFactory().get("/review/national.csv")
    request.user = user
    return PrivateNoStoreMiddleware(view)(request)["Cache-Control"]


def test_public_answers_to_anonymous_visitors_stay_cacheable(world):
    from django.contrib.auth.models import AnonymousUser

    assert _through_middleware(AnonymousUser(), "public, max-age=300") == "public, max-age=300"
    signed_in = _through_middleware(world["staff"], "public, max-age=300, no-transform")
    assert signed_in == "private, no-store, no-transform"


def test_directives_parse():
    assert cc_directives("Private, max-age=0") == {"private": "Private", "max-age": "max-age=0"}
    assert cc_directives("") == {}


def test_the_activation_page_is_never_stored(client, world):
    from accounts import invitations, services

    user = services.issue_accounts(
        world["pref_admin"],
        [
            services.NewAccount(
                organization=world["hakodate"],
                email="new@city.hakodate.lg.jp",
                display_name="新人",
                role="staff",
            )
        ],
    )[0]
    token = invitations.invite(user, world["pref_admin"])
    response = client.get(f"/accounts/activate/{token}/")
    assert response.status_code == 200
    assert "no-store" in _directives(response)

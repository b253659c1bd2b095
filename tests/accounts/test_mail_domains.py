"""The mail-domain check works out of the box: prefecture admins record their municipalities'
domains, and with none recorded a free-mail address needs an explicit, audited confirmation."""

from __future__ import annotations

import pytest

from accounts import rules
from accounts.models import AuditEvent, User
from accounts.roles import Role
from tests.accounts.test_bulk import sheet

Kind = AuditEvent.Kind


@pytest.mark.parametrize(
    ("email", "domains", "needs"),
    [
        ("a@gmail.com", [], True),
        ("a@GMAIL.COM", [], True),
        ("a@i.softbank.jp", [], True),
        ("a@docomo.ne.jp", [], True),
        ("a@city.hakodate.lg.jp", [], False),
        ("a@example.co.jp", [], False),
        ("a@city.sapporo.lg.jp", ["city.sapporo.lg.jp"], False),
        ("a@ward.city.sapporo.lg.jp", ["city.sapporo.lg.jp"], False),
        ("a@gmail.com", ["city.sapporo.lg.jp"], True),
        ("a@evil-city.sapporo.lg.jp.example", ["city.sapporo.lg.jp"], True),
    ],
)
def test_which_addresses_need_confirmation(email, domains, needs):
    assert rules.needs_domain_confirmation(email, domains) is needs


@pytest.mark.parametrize(
    ("domain", "ok"),
    [
        ("city.sapporo.lg.jp", True),
        ("pref.hokkaido.lg.jp", True),
        ("mhlw.go.jp", True),
        ("gmail.com", False),
        ("yahoo.co.jp", False),
        ("jp", False),
        ("city sapporo.lg.jp", False),
        ("-x.lg.jp", False),
    ],
)
def test_which_domains_an_organisation_may_record(domain, ok):
    assert (rules.domain_problem(domain) is None) is ok


def _issue(client, issuer, organization, email, **extra):
    client.force_login(issuer)
    data = {
        "organization": organization.pk,
        "display_name": "新人",
        "email": email,
        "role": Role.STAFF,
    }
    return client.post("/manage/accounts/new/", data | extra)


def test_a_free_mail_address_needs_an_audited_confirmation_when_no_domain_is_recorded(
    client, world
):
    response = _issue(client, world["pref_admin"], world["hakodate"], "someone@gmail.com")
    assert response.status_code == 200
    body = response.content.decode()
    assert "gmail.com はフリーメールのドメイン" in body
    assert "確認したことは監査ログに残ります" in body  # the explanation beside the box
    assert not User.objects.filter(email="someone@gmail.com").exists()
    response = _issue(
        client,
        world["pref_admin"],
        world["hakodate"],
        "someone@gmail.com",
        confirm_outside_domain="on",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(kind=Kind.ISSUED)
    assert event.detail == "フリーメールのアドレス（確認済み）"


def test_an_office_address_needs_no_confirmation_when_no_domain_is_recorded(client, world):
    response = _issue(client, world["pref_admin"], world["hakodate"], "a@city.hakodate.lg.jp")
    assert response.status_code == 302
    assert AuditEvent.objects.get(kind=Kind.ISSUED).detail == ""


def test_the_bulk_sheet_confirms_free_mail_in_its_column(client, world):
    client.force_login(world["pref_admin"])
    row = ["012025", "函館 一", "one@yahoo.co.jp", "", "", "担当者"]
    response = client.post("/manage/accounts/bulk/", {"sheet": sheet([[*row, ""]])})
    assert response.status_code == 400
    assert "yahoo.co.jp はフリーメールのドメイン" in response.content.decode()
    assert not User.objects.filter(email="one@yahoo.co.jp").exists()
    response = client.post("/manage/accounts/bulk/", {"sheet": sheet([[*row, "はい"]])})
    assert response.status_code == 200
    assert AuditEvent.objects.get(kind=Kind.ISSUED).detail == "フリーメールのアドレス（確認済み）"


# --- the domain page ---------------------------------------------------------------------------
def test_prefecture_admin_records_a_municipalitys_domains_and_issuance_checks_them(client, world):
    client.force_login(world["pref_admin"])
    listing = client.get("/manage/domains/").content.decode()
    assert "函館市" in listing and "city.sapporo.lg.jp" in listing and "青森市" not in listing
    url = f"/manage/domains/{world['hakodate'].code}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"mail_domains": "@City.Hakodate.LG.JP\n\ncity.hakodate.lg.jp\n"})
    assert response.status_code == 302
    world["hakodate"].refresh_from_db()
    assert world["hakodate"].domains == ["city.hakodate.lg.jp"]
    event = AuditEvent.objects.get(kind=Kind.CHANGED, organization=world["hakodate"])
    assert event.actor == world["pref_admin"]
    assert (event.before, event.after) == (
        {"mail_domains": []},
        {"mail_domains": ["city.hakodate.lg.jp"]},
    )
    response = _issue(client, world["pref_admin"], world["hakodate"], "x@example.co.jp")
    assert "city.hakodate.lg.jp 以外のアドレスです" in response.content.decode()


def test_a_free_mail_or_malformed_domain_is_refused_and_nothing_is_saved(client, world):
    client.force_login(world["pref_admin"])
    url = f"/manage/domains/{world['hakodate'].code}/"
    response = client.post(url, {"mail_domains": "city.hakodate.lg.jp\ngmail.com\nbad domain"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "「gmail.com」はフリーメールのドメインです" in body
    assert "「bad domain」はメールドメインの形式ではありません" in body
    world["hakodate"].refresh_from_db()
    assert world["hakodate"].mail_domains == ""
    assert not AuditEvent.objects.filter(kind=Kind.CHANGED).exists()


def test_system_administrator_sets_any_organisations_domains(client, world):
    client.force_login(world["admin"])
    response = client.post(
        f"/manage/domains/{world['aomori'].code}/", {"mail_domains": "city.aomori.lg.jp"}
    )
    assert response.status_code == 302
    world["aomori"].refresh_from_db()
    assert world["aomori"].domains == ["city.aomori.lg.jp"]


@pytest.mark.parametrize(
    ("who", "org"),
    [
        ("pref_admin", "aomori"),  # another prefecture
        ("manager", "sapporo"),  # an account manager does not vouch for its own domain
        ("staff", "sapporo"),
        ("reviewer", "sapporo"),
        ("coordinator", "sapporo"),
    ],
)
def test_outsiders_get_404_and_nothing_changes(client, world, who, org):
    client.force_login(world[who])
    url = f"/manage/domains/{world[org].code}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"mail_domains": "evil.example.jp"}).status_code == 404
    world[org].refresh_from_db()
    assert "evil.example.jp" not in world[org].domains
    if who != "pref_admin":
        assert client.get("/manage/domains/").status_code == 404
    assert AuditEvent.objects.filter(kind=Kind.ACCESS_DENIED).exists()


def test_the_menu_offers_the_page_only_to_those_who_may_open_it(client, world):
    client.force_login(world["pref_admin"])
    assert "/manage/domains/" in client.get("/manage/accounts/").content.decode()
    client.force_login(world["manager"])
    assert "/manage/domains/" not in client.get("/manage/accounts/").content.decode()


def test_the_domain_list_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    from tests.factories import MunicipalityFactory

    client.force_login(world["pref_admin"])
    client.get("/manage/domains/")
    before = _count(client)  # 3 organisations listed
    for _ in range(10):
        MunicipalityFactory(prefecture=world["hokkaido"])
    with django_assert_num_queries(before):
        response = client.get("/manage/domains/")
    assert response.context["page"].paginator.count == 13


def _count(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/manage/domains/")
    return len(queries)

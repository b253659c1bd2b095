"""The login address is part of the issued identity: only an issuer changes it, the new address
confirms it, and no two accounts share an address in any case."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import IntegrityError, transaction

from accounts.models import AuditEvent, EmailChange, Invitation, User
from tests.conftest import PASSWORD

Kind = AuditEvent.Kind


def change_url(user) -> str:
    return f"/manage/accounts/{user.pk}/email/"


def request_change(client, issuer, target, email, **extra):
    client.force_login(issuer)
    return client.post(change_url(target), {"email": email, **extra})


def confirm_link(message) -> str:
    return re.search(r"http://\S+(/accounts/email-change/\S+/)", message.body).group(1)


def _mail_to(address):
    return [m for m in mail.outbox if m.to == [address]]


# --- nobody manages their own address ---------------------------------------------------------
@pytest.mark.parametrize("who", [None, "staff", "admin", "pref_admin"])
def test_allauths_address_pages_answer_404_for_everyone(client, world, who):
    if who:
        client.force_login(world[who])
    assert client.get("/accounts/email/").status_code == 404
    response = client.post("/accounts/email/", {"action_add": "", "email": "attacker@evil.example"})
    assert response.status_code == 404
    assert client.get("/accounts/confirm-email/").status_code == 404
    assert client.get("/accounts/confirm-email/abc:def/").status_code == 404
    assert not EmailAddress.objects.filter(email="attacker@evil.example").exists()


def test_no_page_links_to_the_address_page(client, world):
    client.force_login(world["staff"])
    for path in ("/", "/accounts/password/change/"):
        body = client.get(path).content.decode()
        assert "/accounts/email/" not in body, path


# --- an issuer changes it; the new address confirms ------------------------------------------
def test_issuer_changes_an_address_and_the_new_address_confirms_it(client, world):
    staff = world["hakodate_staff"]
    old = staff.email
    response = request_change(client, world["pref_admin"], staff, "New.Name@City.Hakodate.LG.JP")
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.email == old  # nothing changes before the confirmation
    (confirmation,) = _mail_to("new.name@city.hakodate.lg.jp")
    (notice,) = _mail_to(old)
    assert "new.name@city.hakodate.lg.jp" in notice.body and "/email-change/" not in notice.body
    requested = AuditEvent.objects.get(kind=Kind.CHANGED, target_user=staff)
    assert requested.actor == world["pref_admin"]
    assert (requested.before, requested.after) == (
        {"email": old},
        {"email": "new.name@city.hakodate.lg.jp"},
    )

    link = confirm_link(confirmation)
    client.logout()
    response = client.get(link)  # the account is in use: its holder signs in first
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    client.force_login(staff)
    page = client.get(link)
    assert page.status_code == 200 and "new.name@city.hakodate.lg.jp" in page.content.decode()
    assert client.post(link).status_code == 302
    staff.refresh_from_db()
    assert staff.email == "new.name@city.hakodate.lg.jp"
    confirmed = AuditEvent.objects.filter(kind=Kind.CHANGED, target_user=staff).latest("pk")
    assert (confirmed.before, confirmed.after) == (
        {"email": old},
        {"email": "new.name@city.hakodate.lg.jp"},
    )
    assert client.post(link).status_code == 410  # single use

    client.logout()
    login = {"login": "new.name@city.hakodate.lg.jp", "password": PASSWORD}
    assert client.post("/accounts/login/", login).status_code == 302
    client.logout()
    client.post("/accounts/login/", {"login": old, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_another_users_address_in_upper_case_is_refused_and_nothing_is_saved(client, world):
    staff = world["hakodate_staff"]
    response = request_change(client, world["pref_admin"], staff, world["staff"].email.upper())
    assert response.status_code == 400
    assert "このメールアドレスのアカウントは既にあります。" in response.content.decode()
    staff.refresh_from_db()
    assert staff.email == "staff@city.hakodate.lg.jp"
    assert not EmailChange.objects.exists()
    assert not AuditEvent.objects.filter(kind=Kind.CHANGED).exists()
    assert mail.outbox == []


def test_an_address_waiting_for_confirmation_is_taken_too(client, world):
    request_change(
        client, world["pref_admin"], world["hakodate_staff"], "wanted@city.sapporo.lg.jp"
    )
    response = request_change(
        client, world["pref_admin"], world["staff"], "WANTED@city.sapporo.lg.jp"
    )
    assert response.status_code == 400
    response = client.post(
        "/manage/accounts/new/",
        {
            "organization": world["sapporo"].pk,
            "display_name": "新人",
            "email": "Wanted@city.sapporo.lg.jp",
            "role": "staff",
        },
    )
    assert "このメールアドレスのアカウントは既にあります。" in response.content.decode()


def test_an_address_taken_before_the_confirmation_changes_nothing(client, world):
    staff = world["hakodate_staff"]
    request_change(client, world["pref_admin"], staff, "later@city.hakodate.lg.jp")
    link = confirm_link(_mail_to("later@city.hakodate.lg.jp")[0])
    User.objects.filter(pk=world["aomori_staff"].pk).update(email="later@city.hakodate.lg.jp")
    client.force_login(staff)
    response = client.post(link)
    assert response.status_code == 409
    assert "アドレスは変更されていません" in response.content.decode()
    staff.refresh_from_db()
    assert staff.email == "staff@city.hakodate.lg.jp"
    assert EmailChange.objects.get().confirmed_at is None


def test_the_link_opened_by_another_account_changes_nothing(client, world):
    staff = world["hakodate_staff"]
    request_change(client, world["pref_admin"], staff, "mine@city.hakodate.lg.jp")
    link = confirm_link(_mail_to("mine@city.hakodate.lg.jp")[0])
    client.force_login(world["staff"])
    assert client.post(link).status_code == 404
    staff.refresh_from_db()
    assert staff.email == "staff@city.hakodate.lg.jp"


def test_a_not_yet_activated_account_gets_its_link_at_the_new_address(client, world):
    from accounts import invitations, services

    (user,) = services.issue_accounts(
        world["pref_admin"],
        [
            services.NewAccount(
                organization=world["hakodate"],
                email="typo@city.hakodat.lg.jp",
                display_name="新人",
                role="staff",
                outside_domain=True,
            )
        ],
    )
    old_link = invitations.invite(user, world["pref_admin"])
    request_change(client, world["pref_admin"], user, "right@city.hakodate.lg.jp")
    client.logout()
    # The mistyped address's links stop working at once.
    assert client.get(f"/accounts/activate/{old_link}/").status_code == 410
    link = confirm_link(_mail_to("right@city.hakodate.lg.jp")[0])
    mail.outbox.clear()
    response = client.post(link)  # no password yet: no login to ask for
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "right@city.hakodate.lg.jp"
    (invitation_mail,) = mail.outbox
    assert invitation_mail.to == ["right@city.hakodate.lg.jp"]
    assert "/accounts/activate/" in invitation_mail.body
    (open_link,) = [i for i in Invitation.objects.filter(user=user) if not i.is_expired]
    assert open_link.created_by == world["pref_admin"]


def test_allauths_stray_address_rows_of_the_account_are_dropped(client, world):
    staff = world["hakodate_staff"]
    EmailAddress.objects.create(user=staff, email="attacker@evil.example", primary=False)
    request_change(client, world["pref_admin"], staff, "clean@city.hakodate.lg.jp")
    client.force_login(staff)
    client.post(confirm_link(_mail_to("clean@city.hakodate.lg.jp")[0]))
    assert not EmailAddress.objects.filter(user=staff).exists()


def test_the_domain_check_applies_to_a_change(client, world):
    staff = world["staff"]  # 札幌市: city.sapporo.lg.jp
    response = request_change(client, world["manager"], staff, "staff@example.com")
    assert response.status_code == 400
    assert "city.sapporo.lg.jp 以外のアドレスです" in response.content.decode()
    response = request_change(
        client, world["manager"], staff, "staff@example.com", confirm_outside_domain="on"
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(kind=Kind.CHANGED, target_user=staff)
    assert "ドメイン外のアドレス（確認済み）" in event.detail


@pytest.mark.parametrize(
    ("issuer", "target"),
    [
        ("pref_admin", "aomori_staff"),  # another prefecture
        ("manager", "hakodate_staff"),  # another organisation
        ("staff", "hakodate_staff"),  # not an issuer
        ("manager", "manager"),  # their own address
        ("manager", "pref_admin"),  # a role above theirs
    ],
)
def test_out_of_reach_answers_404_and_nothing_is_saved(client, world, issuer, target):
    client.force_login(world[issuer])
    assert client.get(change_url(world[target])).status_code == 404
    response = client.post(change_url(world[target]), {"email": "x@city.sapporo.lg.jp"})
    assert response.status_code == 404
    assert not EmailChange.objects.exists()
    assert mail.outbox == []


def test_extra_fields_are_refused(client, world):
    response = request_change(
        client, world["pref_admin"], world["hakodate_staff"], "a@b.lg.jp", is_superuser="on"
    )
    assert response.status_code == 403
    assert not EmailChange.objects.exists()


# --- one spelling per address ----------------------------------------------------------------
def test_addresses_are_unique_in_any_case_in_the_database(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="STAFF@City.Sapporo.LG.JP", display_name="x")])


def test_every_entry_point_lower_cases(world):
    user = User.objects.create_user("Mixed.Case@City.Sapporo.LG.JP ", display_name="x")
    assert user.email == "mixed.case@city.sapporo.lg.jp"
    other = User(email="Other@Example.JP", display_name="y")
    other.clean()
    assert other.email == "other@example.jp"
    clash = User(email="MIXED.case@city.sapporo.lg.jp", display_name="z")
    clash.clean()
    with pytest.raises(Exception, match="このメールアドレスのアカウントは既にあります。"):
        clash.validate_constraints()


def test_the_admin_cannot_edit_a_login_address(client, world):
    from django.contrib import admin

    model_admin = admin.site._registry[User]
    assert "email" in model_admin.get_readonly_fields(None, world["staff"])
    assert "email" not in model_admin.get_readonly_fields(None, None)

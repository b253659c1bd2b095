from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, User
from accounts.roles import Role
from tests.conftest import PASSWORD

NEW = "/manage/accounts/new/"
Kind = AuditEvent.Kind


def issue(client, issuer, organization, **overrides):
    client.force_login(issuer)
    data = {
        "organization": organization.pk,
        "display_name": "新人 一郎",
        "email": "new@city.hakodate.lg.jp",
        "department": "戸籍住民課",
        "phone": "",
        "role": Role.STAFF,
    } | overrides
    return client.post(NEW, data)


def link_from_mail(message) -> str:
    return re.search(r"http://\S+/accounts/activate/\S+/", message.body).group(0)


def test_prefecture_admin_issues_for_a_municipality_in_its_prefecture(client, world):
    response = issue(client, world["pref_admin"], world["hakodate"])
    assert response.status_code == 302
    user = User.objects.get(email="new@city.hakodate.lg.jp")
    assert (user.organization, user.role, user.issued_by) == (
        world["hakodate"],
        Role.STAFF,
        world["pref_admin"],
    )
    assert not user.has_usable_password()
    assert user.state == "issued"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@city.hakodate.lg.jp"]
    assert "7日間" in mail.outbox[0].body
    event = AuditEvent.objects.get(kind=Kind.ISSUED)
    assert (event.actor, event.target_user, event.organization) == (
        world["pref_admin"],
        user,
        world["hakodate"],
    )
    assert event.after["role"] == Role.STAFF


def test_prefecture_admin_cannot_issue_for_another_prefecture(client, world):
    response = issue(client, world["pref_admin"], world["aomori"], email="x@city.aomori.lg.jp")
    assert response.status_code == 404
    assert not User.objects.filter(email="x@city.aomori.lg.jp").exists()
    assert AuditEvent.objects.filter(kind=Kind.ACCESS_DENIED, actor=world["pref_admin"]).exists()
    assert mail.outbox == []


def test_no_role_above_the_issuers_own(client, world):
    response = issue(
        client,
        world["pref_admin"],
        world["hokkaido"],
        role=Role.SYSADMIN,
        email="boss@pref.hokkaido.lg.jp",
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="boss@pref.hokkaido.lg.jp").exists()
    assert AuditEvent.objects.filter(kind=Kind.ACCESS_DENIED, detail__contains="sysadmin").exists()


@pytest.mark.parametrize("extra", [{"is_staff": "on"}, {"is_superuser": "1"}, {"issued_by": "1"}])
def test_extra_fields_are_refused_and_audited(client, world, extra):
    response = issue(client, world["pref_admin"], world["hakodate"], **extra)
    assert response.status_code == 403
    assert not User.objects.filter(email="new@city.hakodate.lg.jp").exists()
    assert AuditEvent.objects.filter(kind=Kind.ACCESS_DENIED, detail__contains="想定外").exists()


def test_role_must_fit_the_organisation(client, world):
    response = issue(client, world["pref_admin"], world["hakodate"], role=Role.PREFECTURE_ADMIN)
    assert response.status_code == 200
    assert "この団体にはこの役割を設定できません。" in response.content.decode()
    assert not User.objects.filter(email="new@city.hakodate.lg.jp").exists()


def test_account_manager_issues_only_for_its_own_organisation(client, world):
    assert (
        issue(client, world["manager"], world["sapporo"], email="a@city.sapporo.lg.jp").status_code
        == 302
    )
    assert (
        issue(
            client, world["manager"], world["hakodate"], email="b@city.hakodate.lg.jp"
        ).status_code
        == 404
    )
    assert (
        issue(
            client,
            world["manager"],
            world["sapporo"],
            email="c@city.sapporo.lg.jp",
            role=Role.PREFECTURE_ADMIN,
        ).status_code
        == 403
    )


def test_staff_cannot_reach_issuance(client, world):
    client.force_login(world["staff"])
    assert client.get("/manage/accounts/").status_code == 404
    assert client.get(NEW).status_code == 404


def test_duplicate_address_is_refused_next_to_the_field(client, world):
    response = issue(
        client, world["pref_admin"], world["sapporo"], email="STAFF@city.sapporo.lg.jp"
    )
    assert "このメールアドレスのアカウントは既にあります。" in response.content.decode()


def test_address_outside_the_domain_needs_confirmation_and_is_recorded(client, world):
    response = issue(client, world["pref_admin"], world["sapporo"], email="someone@gmail.com")
    assert response.status_code == 200
    assert "city.sapporo.lg.jp 以外のアドレスです" in response.content.decode()
    assert not User.objects.filter(email="someone@gmail.com").exists()
    response = issue(
        client,
        world["pref_admin"],
        world["sapporo"],
        email="someone@gmail.com",
        confirm_outside_domain="on",
    )
    assert response.status_code == 302
    assert AuditEvent.objects.get(kind=Kind.ISSUED).detail == "ドメイン外のアドレス（確認済み）"


def test_subdomain_is_inside_the_domain(client, world):
    response = issue(
        client, world["pref_admin"], world["sapporo"], email="a@ward.city.sapporo.lg.jp"
    )
    assert response.status_code == 302


def test_the_link_sets_a_password_once_and_the_user_logs_in(client, world):
    issue(client, world["pref_admin"], world["hakodate"])
    client.logout()
    link = link_from_mail(mail.outbox[0])
    assert "新人 一郎" in client.get(link).content.decode()
    response = client.post(
        link, {"new_password1": "Hakodate-2015-new", "new_password2": "Hakodate-2015-new"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@city.hakodate.lg.jp")
    assert user.state == "active"
    assert AuditEvent.objects.filter(kind=Kind.ACTIVATED, target_user=user).exists()
    # Reused: a clear message, and the password stays.
    again = client.post(
        link, {"new_password1": "Other-pass-2015", "new_password2": "Other-pass-2015"}
    )
    assert again.status_code == 410
    assert "既に使われています" in again.content.decode()
    assert (
        client.post(
            "/accounts/login/", {"login": user.email, "password": "Hakodate-2015-new"}
        ).status_code
        == 302
    )


def test_a_weak_password_is_refused_and_the_link_still_works(client, world):
    issue(client, world["pref_admin"], world["hakodate"])
    client.logout()
    link = link_from_mail(mail.outbox[0])
    response = client.post(link, {"new_password1": "12345", "new_password2": "12345"})
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert not Invitation.objects.get().used_at


def test_an_expired_link_explains_and_asks_the_issuer_again(client, world):
    issue(client, world["pref_admin"], world["hakodate"])
    client.logout()
    link = link_from_mail(mail.outbox[0])
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = client.get(link)
        assert response.status_code == 410
        assert "有効期限" in response.content.decode()
        assert User.objects.get(email="new@city.hakodate.lg.jp").state == "expired"
        client.post(link, {"ask_again": "1"})
    assert mail.outbox[-1].to == [world["pref_admin"].email]
    assert "再送依頼" in mail.outbox[-1].subject


def test_resend_replaces_the_old_link(client, world):
    issue(client, world["pref_admin"], world["hakodate"])
    old = link_from_mail(mail.outbox[0])
    user = User.objects.get(email="new@city.hakodate.lg.jp")
    client.post(f"/manage/accounts/{user.pk}/resend/")
    new = link_from_mail(mail.outbox[1])
    assert old != new
    client.logout()
    assert client.get(old).status_code == 410
    assert client.get(new).status_code == 200
    assert AuditEvent.objects.filter(kind=Kind.LINK_RESENT, target_user=user).exists()


def test_unknown_link_is_404(client, db):
    assert client.get("/accounts/activate/not-a-token/").status_code == 404


def test_stopping_ends_the_sessions_at_once_and_restarting_does_not_revive_them(
    client, world, django_user_model
):
    from django.test import Client

    staff = world["staff"]
    victim = Client()
    assert (
        victim.post("/accounts/login/", {"login": staff.email, "password": PASSWORD}).status_code
        == 302
    )
    assert victim.get("/").status_code == 200
    client.force_login(world["manager"])
    assert client.post(f"/manage/accounts/{staff.pk}/stop/").status_code == 302
    assert victim.get("/").status_code == 302
    assert AuditEvent.objects.filter(kind=Kind.STOPPED, target_user=staff).exists()
    refused = victim.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert refused.url == "/accounts/inactive/"
    assert victim.get("/").status_code == 302
    client.post(f"/manage/accounts/{staff.pk}/restart/")
    assert victim.get("/").status_code == 302  # the old session stays ended
    assert (
        victim.post("/accounts/login/", {"login": staff.email, "password": PASSWORD}).status_code
        == 302
    )
    assert AuditEvent.objects.filter(kind=Kind.RESTARTED, target_user=staff).exists()


def test_issuer_cannot_stop_a_higher_role_or_another_prefecture(client, world):
    client.force_login(world["manager"])
    assert client.post(f"/manage/accounts/{world['hakodate_staff'].pk}/stop/").status_code == 404
    client.force_login(world["pref_admin"])
    assert client.post(f"/manage/accounts/{world['aomori_staff'].pk}/stop/").status_code == 404
    world["aomori_staff"].refresh_from_db()
    assert world["aomori_staff"].is_active


def test_role_change_is_audited_with_before_and_after(client, world):
    client.force_login(world["pref_admin"])
    client.post(f"/manage/accounts/{world['staff'].pk}/role/", {"role": Role.ACCOUNT_MANAGER})
    event = AuditEvent.objects.get(kind=Kind.ROLE_CHANGED)
    assert (event.before["role"], event.after["role"]) == (Role.STAFF, Role.ACCOUNT_MANAGER)
    assert (
        client.post(
            f"/manage/accounts/{world['staff'].pk}/role/", {"role": Role.SYSADMIN}
        ).status_code
        == 404
    )


def test_list_shows_state_and_last_login(client, world):
    client.force_login(world["pref_admin"])
    body = client.get("/manage/accounts/").content.decode()
    assert "staff@city.sapporo.lg.jp" in body and "staff@city.hakodate.lg.jp" in body
    assert "staff@city.aomori.lg.jp" not in body
    assert "reviewer@mhlw.go.jp" not in body


def test_unused_accounts_are_listed_to_their_issuer(client, world):
    staff = world["staff"]
    User.objects.filter(pk=staff.pk).update(
        activated_at=timezone.now() - timedelta(days=200),
        last_login=timezone.now() - timedelta(days=91),
    )
    User.objects.filter(pk=world["hakodate_staff"].pk).update(
        activated_at=timezone.now() - timedelta(days=200),
        last_login=timezone.now() - timedelta(days=89),
    )
    client.force_login(world["pref_admin"])
    body = client.get("/manage/accounts/").content.decode()
    section = body[body.index('id="unused-heading"') :]
    assert staff.display_name in section
    assert world["hakodate_staff"].display_name not in section


def test_a_password_reset_starts_an_issued_account_that_was_never_activated(client, world):
    """The reset link proves the mailbox as the activation link does: without this the account
    logged in but stayed 発行済 and received no mail."""
    from outbox import sending as outbox

    assert issue(client, world["pref_admin"], world["hakodate"]).status_code == 302
    client.logout()
    user = User.objects.get(email="new@city.hakodate.lg.jp")
    assert user.activated_at is None
    client.post("/accounts/password/reset/", {"email": user.email})
    outbox.send_due()
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    form = client.get(path[1], follow=True)
    new = {"password1": "a-new-long-passphrase-1", "password2": "a-new-long-passphrase-1"}
    assert client.post(form.redirect_chain[-1][0], new).status_code == 302
    user.refresh_from_db()
    assert user.activated_at is not None
    assert not Invitation.objects.filter(user=user, used_at__isnull=True).exists()
    assert AuditEvent.objects.filter(kind=Kind.ACTIVATED, target_user=user).count() == 1

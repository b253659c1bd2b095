"""The account services write their own audit rows (issue 14): a change made from the shell,
the admin or a worker leaves the same trace as one made on a page. Each write below is a
service call with no request: the trail says who did what to which account."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from accounts import email_changes, invitations, services
from accounts.models import AuditEvent, User
from accounts.roles import Role

Kind = AuditEvent.Kind


def trail(**where) -> list[tuple[str, str, str]]:
    rows = AuditEvent.objects.filter(**where).order_by("pk")
    return [(row.kind, row.actor_email, row.detail) for row in rows]


def link(pattern: str) -> str:
    (token,) = re.findall(pattern, mail.outbox[-1].body)
    return token


def test_each_account_write_leaves_its_audit_row_without_a_request(
    world, django_capture_on_commit_callbacks
):
    issuer, sapporo = world["pref_admin"], world["sapporo"]
    new = services.NewAccount(sapporo, "new@city.sapporo.lg.jp", "新人", Role.STAFF)
    with django_capture_on_commit_callbacks(execute=True):  # the mails, as once committed
        (user,) = services.issue_accounts(issuer, [new])
        services.resend_invitation(issuer, user)
    invitations.activate(link(r"/accounts/activate/([^/\s]+)/"), "a long enough password 1")
    services.change_role(issuer, user, Role.ACCOUNT_MANAGER)
    services.stop_account(issuer, user)
    services.restart_account(issuer, user)
    services.grant(issuer, user, "edit_plan", world["hakodate"])
    services.revoke(issuer, user, "edit_plan", world["hakodate"])
    with django_capture_on_commit_callbacks(execute=True):
        email_changes.request_email_change(issuer, user, "renamed@city.sapporo.lg.jp")
    confirm = next(m for m in mail.outbox if m.to == ["renamed@city.sapporo.lg.jp"])
    email_changes.confirm_email_change(
        re.findall(r"/accounts/email-change/([^/\s]+)/", confirm.body)[0]
    )
    services.set_notification_mode(User.objects.get(pk=user.pk), "immediate")
    assert trail(target_user=user) == [
        (Kind.ISSUED, issuer.email, ""),
        (Kind.LINK_RESENT, issuer.email, ""),
        (Kind.ACTIVATED, "new@city.sapporo.lg.jp", ""),
        (Kind.ROLE_CHANGED, issuer.email, ""),
        (Kind.STOPPED, issuer.email, ""),
        (Kind.RESTARTED, issuer.email, ""),
        (Kind.GRANT_GIVEN, issuer.email, ""),
        (Kind.GRANT_TAKEN, issuer.email, ""),
        (Kind.CHANGED, issuer.email, "メールアドレス変更の依頼（新しいアドレスでの確認待ち）"),
        (
            Kind.CHANGED,
            "renamed@city.sapporo.lg.jp",
            "メールアドレスの変更（新しいアドレスで確認済み）",
        ),
        (Kind.CHANGED, "renamed@city.sapporo.lg.jp", "通知の受け取り方"),
    ]
    services.set_mail_domains(issuer, world["hakodate"], ["city.hakodate.lg.jp"])
    assert trail(organization=world["hakodate"], kind=Kind.CHANGED) == [
        (Kind.CHANGED, issuer.email, "メールドメインの変更")
    ]


def test_a_role_above_the_issuers_own_is_refused_and_audited_whoever_calls(world):
    issuer, staff = world["pref_admin"], world["staff"]
    boss = services.NewAccount(world["hokkaido"], "boss@pref.hokkaido.lg.jp", "上司", Role.SYSADMIN)
    with pytest.raises(PermissionDenied):
        services.issue_accounts(issuer, [boss])
    with pytest.raises(PermissionDenied):
        services.change_role(issuer, staff, Role.COORDINATOR)
    assert not User.objects.filter(email="boss@pref.hokkaido.lg.jp").exists()
    staff.refresh_from_db()
    assert staff.role == Role.STAFF
    refusals = AuditEvent.objects.filter(kind=Kind.ACCESS_DENIED).order_by("pk")
    assert [(row.actor, row.target, row.target_user, row.detail) for row in refusals] == [
        (issuer, "boss@pref.hokkaido.lg.jp", None, "上位の役割の指定: sysadmin"),
        (issuer, staff.email, staff, "上位の役割の指定: coordinator"),
    ]


def test_fields_a_form_lacks_are_refused_and_audited(world):
    with pytest.raises(PermissionDenied):
        services.refuse_unexpected_fields({"is_staff", "issued_by"}, target="shell")
    services.refuse_unexpected_fields(set(), target="shell")  # nothing extra: nothing refused
    event = AuditEvent.objects.get(kind=Kind.ACCESS_DENIED)
    assert (event.actor, event.target, event.detail) == (
        None,
        "shell",
        "想定外の項目: is_staff, issued_by",
    )

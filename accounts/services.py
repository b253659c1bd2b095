"""Every write to accounts goes through here: views, the bulk sheet and the admin call it."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts import audit
from accounts.models import Invitation, User
from outbox import services as outbox
from outbox.recipients import receives_mail

INVITATION_DAYS = 7
UNUSED_DAYS = 90


@dataclass(frozen=True)
class NewAccount:
    organization: object
    email: str
    display_name: str
    role: str
    department: str = ""
    phone: str = ""
    outside_domain: bool = False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _snapshot(user: User) -> dict:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "organization": user.organization.code if user.organization_id else None,
        "department": user.department,
        "is_active": user.is_active,
    }


def _send_invitation(user: User, token: str, issuer: User | None) -> None:
    link = settings.SITE_URL + reverse("activate", args=[token])
    context = {"user": user, "link": link, "issuer": issuer, "days": INVITATION_DAYS}
    subject = render_to_string("accounts/mail/invitation_subject.txt", context)
    body = render_to_string("accounts/mail/invitation.txt", context)
    # The one mail an account that was never activated receives; a stopped one gets none.
    if user.is_active:
        outbox.enqueue(kind="accounts.invitation", to=[user.email], subject=subject, body=body)


def _invite(user: User, issuer: User | None) -> str:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    Invitation.objects.create(
        user=user,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
        created_by=issuer,
    )
    _send_invitation(user, token, issuer)
    return token


@transaction.atomic
def issue_accounts(issuer: User, accounts: list[NewAccount], *, request=None) -> list[User]:
    """Create the accounts and mail each its link. All or nothing: the caller has validated."""
    users = []
    for account in accounts:
        user = User.objects.create_user(
            account.email,
            None,
            display_name=account.display_name,
            department=account.department,
            phone=account.phone,
            organization=account.organization,
            role=account.role,
            issued_by=issuer,
        )
        _invite(user, issuer)
        audit.record(
            audit.Kind.ISSUED,
            request=request,
            actor=issuer,
            target_user=user,
            target=user.email,
            after=_snapshot(user),
            detail="ドメイン外のアドレス（確認済み）" if account.outside_domain else "",
        )
        users.append(user)
    return users


@transaction.atomic
def resend_invitation(issuer: User, user: User, *, request=None) -> None:
    Invitation.objects.filter(user=user, used_at__isnull=True).update(expires_at=timezone.now())
    _invite(user, issuer)
    audit.record(
        audit.Kind.LINK_RESENT, request=request, actor=issuer, target_user=user, target=user.email
    )


def stop_account(issuer: User, user: User, *, request=None) -> None:
    """Stop the account; its sessions end at once (the session hash changes)."""
    _set_active(issuer, user, active=False, request=request)


def restart_account(issuer: User, user: User, *, request=None) -> None:
    """Let the account log in again; sessions ended by the stop stay ended."""
    _set_active(issuer, user, active=True, request=request)


@transaction.atomic
def _set_active(issuer: User, user: User, *, active: bool, request=None) -> None:
    before = _snapshot(user)
    if active:
        User.objects.filter(pk=user.pk).update(is_active=True, stopped_at=None)
    else:
        User.objects.filter(pk=user.pk).update(
            is_active=False,
            stopped_at=timezone.now(),
            session_generation=F("session_generation") + 1,
        )
    user.refresh_from_db()
    audit.record(
        audit.Kind.RESTARTED if active else audit.Kind.STOPPED,
        request=request,
        actor=issuer,
        target_user=user,
        target=user.email,
        before=before,
        after=_snapshot(user),
    )


@transaction.atomic
def change_role(issuer: User, user: User, role: str, *, request=None) -> None:
    before = _snapshot(user)
    User.objects.filter(pk=user.pk).update(role=role)
    user.refresh_from_db()
    audit.record(
        audit.Kind.ROLE_CHANGED,
        request=request,
        actor=issuer,
        target_user=user,
        target=user.email,
        before=before,
        after=_snapshot(user),
    )


class InvitationError(Exception):
    """The link cannot be used; ``reason`` is 'unknown', 'used', 'expired' or 'stopped'."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def find_invitation(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("user", "user__issued_by", "user__organization")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        raise InvitationError("unknown")
    if invitation.used_at is not None:
        raise InvitationError("used", invitation)
    if not invitation.user.is_active:
        raise InvitationError("stopped", invitation)
    if invitation.is_expired:
        raise InvitationError("expired", invitation)
    return invitation


@transaction.atomic
def activate(token: str, password: str, *, request=None) -> User:
    """Use the link: set the password and mark the account active. A second use is refused."""
    invitation = find_invitation(token)
    # The conditional update makes the link single-use even under a double submit.
    claimed = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not claimed:
        raise InvitationError("used", invitation)
    user = invitation.user
    user.set_password(password)
    user.activated_at = user.activated_at or timezone.now()
    user.save(update_fields=["password", "activated_at"])
    audit.record(
        audit.Kind.ACTIVATED, request=request, actor=user, target_user=user, target=user.email
    )
    return user


@transaction.atomic
def ask_issuer_again(invitation: Invitation, *, request=None) -> None:
    """The holder of an expired or used link asks their issuer for a new one (by mail)."""
    user, issuer = invitation.user, invitation.user.issued_by
    if not receives_mail(issuer):
        return
    link = settings.SITE_URL + reverse("accounts:detail", args=[user.pk])
    body = render_to_string("accounts/mail/ask_again.txt", {"user": user, "link": link})
    outbox.enqueue(
        kind="accounts.ask_again",
        to=[issuer.email],
        subject=f"[デジタルPMO] {user.display_name} さんから利用開始の案内の再送依頼",
        body=body,
    )
    audit.record(
        audit.Kind.CHANGED,
        request=request,
        actor=None,
        target_user=user,
        target=user.email,
        detail="利用開始の案内の再送依頼",
    )


def grant(issuer: User, user: User, codename: str, organization, *, request=None) -> None:
    from guardian.shortcuts import assign_perm

    assign_perm(f"orgs.{codename}", user, organization)
    audit.record(
        audit.Kind.GRANT_GIVEN,
        request=request,
        actor=issuer,
        target_user=user,
        organization=organization,
        target=f"{codename} {organization.code}",
        after={"permission": codename, "organization": organization.code},
    )


def revoke(issuer: User, user: User, codename: str, organization, *, request=None) -> None:
    from guardian.shortcuts import remove_perm

    remove_perm(f"orgs.{codename}", user, organization)
    audit.record(
        audit.Kind.GRANT_TAKEN,
        request=request,
        actor=issuer,
        target_user=user,
        organization=organization,
        target=f"{codename} {organization.code}",
        before={"permission": codename, "organization": organization.code},
    )

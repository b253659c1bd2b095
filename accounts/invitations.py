"""The activation link (利用開始の案内): mailing it, following it once, and asking the issuer
for a new one. A password reset proves the mailbox as the link does. The issuer's writes that
send it are :mod:`accounts.services`; the address-change link is :mod:`accounts.email_changes`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts import audit
from accounts.models import Invitation, User
from outbox import services as outbox
from outbox.recipients import receives_mail

INVITATION_DAYS = 7


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _send(user: User, token: str, issuer: User | None) -> None:
    link = settings.SITE_URL + reverse("activate", args=[token])
    context = {"user": user, "link": link, "issuer": issuer, "days": INVITATION_DAYS}
    subject = render_to_string("accounts/mail/invitation_subject.txt", context)
    body = render_to_string("accounts/mail/invitation.txt", context)
    # The one mail an account that was never activated receives; a stopped one gets none.
    if user.is_active:
        outbox.enqueue(kind="accounts.invitation", to=[user.email], subject=subject, body=body)


def invite(user: User, issuer: User | None) -> str:
    """A new link for ``user``, mailed (an account not stopped); the token, which is stored
    only as its hash."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    Invitation.objects.create(
        user=user,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
        created_by=issuer,
    )
    _send(user, token, issuer)
    return token


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
def activate_by_reset(user: User, *, request=None) -> None:
    """A password reset link proves the mailbox as the activation link does: an account that
    was issued but never activated starts being used here (so it receives mail), and its
    outstanding activation link stops working."""
    if user.activated_at:
        return
    now = timezone.now()
    if not User.objects.filter(pk=user.pk, activated_at__isnull=True).update(activated_at=now):
        return
    user.activated_at = now
    Invitation.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    audit.record(
        audit.Kind.ACTIVATED,
        request=request,
        actor=user,
        target_user=user,
        target=user.email,
        detail="パスワードの再設定による",
    )


@transaction.atomic
def ask_issuer_again(invitation: Invitation, *, request=None) -> None:
    """The holder of an expired or used link asks their issuer for a new one (by mail)."""
    user, issuer = invitation.user, invitation.user.issued_by
    if issuer is None or not receives_mail(issuer):
        return
    link = settings.SITE_URL + reverse("accounts:detail", args=[user.pk])
    body = render_to_string("accounts/mail/ask_again.txt", {"user": user, "link": link})
    outbox.enqueue(
        kind="accounts.ask_again",
        to=[issuer.email],
        subject=gettext("[デジタルPMO] %(name)s さんから利用開始の案内の再送依頼")
        % {"name": user.display_name},
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

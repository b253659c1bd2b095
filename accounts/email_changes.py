"""Changing an account's login address (the issuer asks, the new address confirms): the
single-use link mailed to the new address, the notice to the old one, and both steps audited.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts import audit, invitations, services
from accounts.models import EmailChange, Invitation, User
from outbox import services as outbox

EMAIL_CHANGE_DAYS = 7


class EmailChangeError(Exception):
    """The link cannot be used; ``reason`` is 'unknown', 'used', 'expired', 'stopped' or 'taken'."""

    def __init__(self, reason: str, change: EmailChange | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.change = change


def _mail(template: str, context: dict, to: str) -> None:
    """An address-change mail, through the outbox in the caller's transaction."""
    subject = render_to_string(f"accounts/mail/{template}_subject.txt", context).strip()
    body = render_to_string(f"accounts/mail/{template}.txt", context)
    outbox.enqueue(kind=f"accounts.{template}", to=[to], subject=subject, body=body)


@transaction.atomic
def request_email_change(
    issuer: User, user: User, new_email: str, *, outside_domain: bool = False, request=None
) -> EmailChange:
    """An issuer asks to change ``user``'s login address; the form has checked the address.

    Nothing changes until the link mailed to the new address is followed; the old address is
    told at once. An earlier open request is cancelled. An account that has not set its password
    yet loses its open links (the old address may be the mistake) and gets a new one at the new
    address once that is confirmed.
    """
    new_email = User.objects.normalize_email(new_email)
    now = timezone.now()
    EmailChange.objects.filter(
        user=user, confirmed_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now)
    if not user.can_log_in:
        Invitation.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    change = EmailChange.objects.create(
        user=user,
        old_email=user.email,
        new_email=new_email,
        token_hash=invitations.token_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=EMAIL_CHANGE_DAYS),
        requested_by=issuer,
    )
    context = {
        "user": user,
        "change": change,
        "issuer": issuer,
        "days": EMAIL_CHANGE_DAYS,
        "link": settings.SITE_URL + reverse("email_change_confirm", args=[token]),
    }
    _mail("email_change_confirm", context, new_email)
    _mail("email_change_notice", context, user.email)
    note = (
        services.domain_note(new_email, user.organization, outside_domain)
        if user.organization_id
        else ""
    )
    audit.record(
        audit.Kind.CHANGED,
        request=request,
        actor=issuer,
        target_user=user,
        target=user.email,
        before={"email": user.email},
        after={"email": new_email},
        detail="メールアドレス変更の依頼（新しいアドレスでの確認待ち）"
        + (f"・{note}" if note else ""),
    )
    return change


def find_email_change(token: str) -> EmailChange:
    change = (
        EmailChange.objects.select_related("user", "user__organization", "requested_by")
        .filter(token_hash=invitations.token_hash(token))
        .first()
    )
    if change is None:
        raise EmailChangeError("unknown")
    if change.confirmed_at is not None or change.cancelled_at is not None:
        raise EmailChangeError("used", change)
    if not change.user.is_active:
        raise EmailChangeError("stopped", change)
    if change.is_expired:
        raise EmailChangeError("expired", change)
    return change


@transaction.atomic
def confirm_email_change(token: str, *, request=None) -> User:
    """Follow the link: the new address becomes the login address. A second use is refused,
    and so is an address another account took meanwhile (nothing is changed then)."""
    change = find_email_change(token)
    # The conditional update makes the link single-use even under a double submit.
    claimed = EmailChange.objects.filter(
        pk=change.pk, confirmed_at__isnull=True, cancelled_at__isnull=True
    ).update(confirmed_at=timezone.now())
    if not claimed:
        raise EmailChangeError("used", change)
    user = change.user
    if User.objects.filter(email__iexact=change.new_email).exclude(pk=user.pk).exists():
        raise EmailChangeError("taken", change)
    try:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(email=change.new_email)
    except IntegrityError:  # taken between the check and the update
        raise EmailChangeError("taken", change) from None
    # allauth's own address rows are not used: the login address is ``User.email`` alone.
    EmailAddress.objects.filter(user=user).delete()
    user.refresh_from_db()
    audit.record(
        audit.Kind.CHANGED,
        request=request,
        actor=user if user.can_log_in else None,
        target_user=user,
        target=user.email,
        before={"email": change.old_email},
        after={"email": user.email},
        detail="メールアドレスの変更（新しいアドレスで確認済み）",
    )
    if not user.can_log_in:
        invitations.invite(user, change.requested_by)
    return user

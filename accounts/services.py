"""Every write to accounts goes through here: views, the bulk sheet and the admin call it."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts import audit, rules
from accounts.models import EmailChange, Invitation, User
from outbox import services as outbox
from outbox.recipients import receives_mail

INVITATION_DAYS = 7
EMAIL_CHANGE_DAYS = 7
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
        "organization": user.organization.code if user.organization else None,
        "department": user.department,
        "is_active": user.is_active,
    }


def _domain_note(email: str, organization, confirmed: bool) -> str:
    """What the audit trail says about an address the issuer confirmed against the domain check."""
    if not confirmed:
        return ""
    # Audit details are stored in Japanese (accounts.audit_text shows them as written); marked
    # so that the catalogue has them when the trail translates whole details as it reads them.
    if rules.is_free_mail(email) and not organization.domains:
        return gettext_noop("フリーメールのアドレス（確認済み）")
    return gettext_noop("ドメイン外のアドレス（確認済み）")


def email_taken(email: str, *, exclude: User | None = None) -> bool:
    """Is the address (any case) another account's, or waiting to become another account's?"""
    email = User.objects.normalize_email(email)
    users = User.objects.filter(email__iexact=email)
    pending = EmailChange.objects.filter(
        new_email__iexact=email,
        confirmed_at__isnull=True,
        cancelled_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if exclude is not None:
        users, pending = users.exclude(pk=exclude.pk), pending.exclude(user=exclude)
    return users.exists() or pending.exists()


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


def refuse_unexpected_fields(fields: set[str], *, target: object, request=None) -> None:
    """A write asked with fields its form does not have (``is_staff``, ``issued_by``, …) is a
    forged request: recorded, then refused (403). Nothing to refuse when ``fields`` is empty."""
    if not fields:
        return
    audit.record(
        audit.Kind.ACCESS_DENIED,
        request=request,
        target=target,
        detail="想定外の項目: " + ", ".join(sorted(fields)),
    )
    raise PermissionDenied


def refuse_role_above(
    issuer: User, role: str, *, target: object, target_user: User | None = None, request=None
) -> None:
    """An issuer never gives a role above their own, whoever asks (a page, a sheet, the shell):
    the attempt is recorded, then refused (403). Call it outside the write's transaction, or
    the refusal's audit row is rolled back with it."""
    if role in rules.assignable_roles(issuer.role):
        return
    audit.record(
        audit.Kind.ACCESS_DENIED,
        request=request,
        actor=issuer,
        target_user=target_user,
        target=target,
        detail=f"上位の役割の指定: {role}",
    )
    raise PermissionDenied


def issue_accounts(issuer: User, accounts: list[NewAccount], *, request=None) -> list[User]:
    """Create the accounts and mail each its link. All or nothing: the caller has validated;
    a role above the issuer's own is refused (and audited) before any account is made."""
    for account in accounts:
        refuse_role_above(issuer, account.role, target=account.email, request=request)
    users = []
    with transaction.atomic():
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
                detail=_domain_note(account.email, account.organization, account.outside_domain),
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


def change_role(issuer: User, user: User, role: str, *, request=None) -> None:
    """Give ``user`` another role; one above the issuer's own is refused (and audited)."""
    refuse_role_above(issuer, role, target=user.email, target_user=user, request=request)
    with transaction.atomic():
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


def set_notification_mode(user: User, mode: str, *, request=None) -> None:
    """The person's own choice: review events in the daily digest, or each at once."""
    if user.notification_mode == mode:
        return
    before = {"notification_mode": user.notification_mode}
    User.objects.filter(pk=user.pk).update(notification_mode=mode)
    user.notification_mode = mode
    audit.record(
        audit.Kind.CHANGED,
        request=request,
        actor=user,
        target_user=user,
        target=user.email,
        before=before,
        after={"notification_mode": mode},
        detail="通知の受け取り方",
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
        token_hash=token_hash(token),
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
        _domain_note(new_email, user.organization, outside_domain) if user.organization_id else ""
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
        .filter(token_hash=token_hash(token))
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
        _invite(user, change.requested_by)
    return user


@transaction.atomic
def set_mail_domains(actor: User, organization, domains: list[str], *, request=None) -> None:
    """Record the organisation's mail domains (the issuance domain check reads them)."""
    before = organization.domains
    type(organization).objects.filter(pk=organization.pk).update(mail_domains="\n".join(domains))
    organization.refresh_from_db()
    if before == organization.domains:
        return
    audit.record(
        audit.Kind.CHANGED,
        request=request,
        actor=actor,
        organization=organization,
        target=f"mail_domains {organization.code}",
        before={"mail_domains": before},
        after={"mail_domains": organization.domains},
        detail="メールドメインの変更",
    )

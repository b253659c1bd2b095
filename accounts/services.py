"""The issuer's writes on accounts: issuing (one or a sheet), stopping and restarting,
re-inviting, changing a role, object grants and the organisations' mail domains, each audited
here (``request=None`` from the shell, the admin or a worker) and refused here when it would
give a role above the issuer's own. Views, the bulk sheet, the admin and other apps call it.
The activation link is :mod:`accounts.invitations`; address changes :mod:`accounts.email_changes`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts import audit, invitations, rules
from accounts.models import EmailChange, Invitation, User

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


def _snapshot(user: User) -> dict:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "organization": user.organization.code if user.organization else None,
        "department": user.department,
        "is_active": user.is_active,
    }


def domain_note(email: str, organization, confirmed: bool) -> str:
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
            invitations.invite(user, issuer)
            audit.record(
                audit.Kind.ISSUED,
                request=request,
                actor=issuer,
                target_user=user,
                target=user.email,
                after=_snapshot(user),
                detail=domain_note(account.email, account.organization, account.outside_domain),
            )
            users.append(user)
    return users


@transaction.atomic
def resend_invitation(issuer: User, user: User, *, request=None) -> None:
    Invitation.objects.filter(user=user, used_at__isnull=True).update(expires_at=timezone.now())
    invitations.invite(user, issuer)
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

"""Writing the audit trail. Every account, permission and content change goes through here."""

from __future__ import annotations

from typing import Any

from accounts.models import AuditEvent

# The address the login rate limits see; always a valid address or None, so writing it into
# the GenericIPAddressField (Postgres inet) cannot fail whatever a client puts in its headers.
from pmo.clientip import client_ip

Kind = AuditEvent.Kind


def record(
    kind: str,
    *,
    request=None,
    actor=None,
    target_user=None,
    organization=None,
    target: Any = "",
    before: dict | None = None,
    after: dict | None = None,
    detail: str = "",
) -> AuditEvent:
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if organization is None and target_user is not None:
        organization = target_user.organization
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor,
        actor_email=getattr(actor, "email", "") or "",
        target_user=target_user,
        organization=organization,
        target=str(target)[:300],
        ip_address=client_ip(request),
        before=before,
        after=after,
        detail=detail[:500],
    )


def access_denied(request, *, action: str, target: Any = None) -> AuditEvent:
    organization = getattr(target, "organization", None) if target is not None else None
    if target is not None and target.__class__.__name__ == "Organization":
        organization = target
    return record(
        Kind.ACCESS_DENIED,
        request=request,
        organization=organization,
        target=target if target is not None else request.path,
        detail=f"{action} {request.method} {request.path}",
    )

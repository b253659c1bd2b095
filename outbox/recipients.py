"""Who may be mailed: only accounts that are active (not stopped) and have been activated.

An account issued but never activated has only its invitation mailed to it (the one mail that
lets its holder start); everything else waits until the holder has set a password.
"""

from __future__ import annotations

from django.db.models import Q


def receiving(prefix: str = "") -> Q:
    """The condition on users (or, with ``prefix="recipient__"``, on a relation to them)."""
    return Q(**{f"{prefix}is_active": True, f"{prefix}activated_at__isnull": False})


def receives_mail(user) -> bool:
    return bool(
        user is not None and user.email and user.is_active and user.activated_at is not None
    )


def addresses(*users) -> list[str]:
    """The mail addresses of those of ``users`` that receive mail (``None`` is skipped)."""
    return [user.email for user in users if receives_mail(user)]

from __future__ import annotations

import time

from accounts import audit
from accounts.middleware import LOGIN_AT, SEEN_AT


def record_login(sender, request, user, **kwargs) -> None:
    user.record_login()
    if request is not None and hasattr(request, "session"):
        # The absolute session limit counts from here (accounts.middleware).
        request.session[LOGIN_AT] = request.session[SEEN_AT] = time.time()
    audit.record(
        audit.Kind.LOGIN_SUCCEEDED, request=request, actor=user, target_user=user, target=user.email
    )


def record_login_failure(sender, credentials, request=None, **kwargs) -> None:
    from accounts.models import User

    email = (credentials or {}).get("email") or (credentials or {}).get("username") or ""
    user = User.objects.filter(email__iexact=email).first() if email else None
    # The address typed is kept even when no such account exists (spraying shows up).
    audit.record(audit.Kind.LOGIN_FAILED, request=request, target_user=user, target=email[:254])


def activate_on_password_reset(sender, request, user, **kwargs) -> None:
    from accounts import invitations

    invitations.activate_by_reset(user, request=request)

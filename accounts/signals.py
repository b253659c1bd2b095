from __future__ import annotations


def record_login(sender, request, user, **kwargs) -> None:
    user.record_login()

"""Who made a change, for django-simple-history, when no request says so."""

from __future__ import annotations

from typing import Any


def changed_by(instance: Any, user: Any) -> None:
    """Record ``user`` as the author of ``instance``'s next save in its history.

    django-simple-history reads the instance's ``_history_user`` (in a request its middleware
    supplies the user); saves from a service, a worker or the shell set it here."""
    instance._history_user = user

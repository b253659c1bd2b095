"""The request a signed-in view receives, for type checking.

Views behind ``login_required`` (and the MFA middleware) only ever see a signed-in user;
annotating their ``request`` as :class:`SignedInRequest` says so to mypy, which otherwise
types ``request.user`` as ``User | AnonymousUser``. Every request has ``htmx``
(django-htmx's middleware) too."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class SignedInRequest(HttpRequest):
    user: User
    htmx: HtmxDetails  # django_htmx's middleware

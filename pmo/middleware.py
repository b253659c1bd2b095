"""Request middleware of the portal as a whole."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


class JapaneseFirstLocaleMiddleware:
    """Japanese unless the user chose English with the switch (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many municipal
    PCs ship with English browsers; officials expect the portal in Japanese all the same.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class PrivateNoStoreMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in user.

    Pages, exports and downloads for a signed-in user carry one organisation's data: neither a
    shared proxy (an LGWAN gateway serves a whole prefecture) nor the browser's disk cache of a
    shared office PC may keep them. A view that already says ``no-store`` keeps its header;
    ``public`` and cache lifetimes are dropped. Responses to anonymous visitors (the login
    page, the open-data CSV, ``/healthz``) keep what their views set: nothing private is in them,
    and the token pages (activation, address confirmation) set ``never_cache`` themselves.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            directives = cc_directives(response.get("Cache-Control", ""))
            if "no-store" not in directives:
                kept = [d for d in directives.values() if d.split("=")[0] not in _CACHEABLE]
                response["Cache-Control"] = ", ".join(["private", "no-store", *kept])
        return response


# Directives that let a response be stored or shared; meaningless once it says no-store.
_CACHEABLE = {"public", "private", "max-age", "s-maxage", "stale-while-revalidate", "immutable"}


def cc_directives(header: str) -> dict[str, str]:
    """``"private, max-age=0"`` → ``{"private": "private", "max-age": "max-age=0"}``."""
    parts = (part.strip() for part in header.split(","))
    return {part.split("=")[0].strip().lower(): part for part in parts if part}

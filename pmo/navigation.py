"""The seed's top bar: TOP, ドキュメント, 事務・手続, FAQ, 管理.

An entry appears once its page exists (its URL name resolves) and, for 管理, when the user
has something to manage.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

NAV = (
    ("top", _("TOP")),
    ("documents:index", _("ドキュメント")),
    ("documents:procedures", _("事務・手続")),
    ("faq:index", _("FAQ")),
    ("review:index", _("進捗確認")),
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def manage_url(user) -> str | None:
    for name in ("accounts:manage", "admin:index"):
        if name == "admin:index" and not user.is_staff:
            continue
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def nav_items(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items, path = [], request.path
    for name, label in NAV:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append(NavItem(str(label), url, path == url if url == "/" else path.startswith(url)))
    if (url := manage_url(user)) is not None:
        items.append(NavItem(str(_("管理")), url, path.startswith(url)))
    return {"nav_items": items}

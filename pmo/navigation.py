"""The seed's top bar (TOP, ドキュメント, 事務・手続, FAQ, 管理), plus 進捗確認 for those who
review. An entry appears only when its page exists and the user may
open it, so nobody is offered a link that answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts import permissions


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _entries(user) -> list[tuple[str, str | None, tuple[str, ...]]]:
    """(label, url, other path prefixes that belong to the section)."""
    # The user's own plan is linked from TOP: the bar reads no rows, only the role.
    return [
        (_("TOP"), _url("top"), ()),
        (_("ドキュメント"), _url("documents:index"), ("/efforts/", "/announcements/", "/portal/")),
        (_("事務・手続"), _url("documents:procedures"), ()),
        (_("FAQ"), _url("faq:index"), ("/inquiries/",)),
        (
            _("照会・調査"),
            _url("surveys:index") if permissions.can(user, permissions.SURVEY_DESK) else None,
            (),
        ),
        (
            _("進捗確認"),
            _url("review:index") if permissions.can(user, permissions.REVIEW) else None,
            (),
        ),
        (_("管理"), _url("accounts:hub") if manage_links(user) else None, ("/manage/",)),
    ]


def manage_links(user) -> list[tuple[str, str]]:
    """What the 管理 page offers this user: (label, url), only what they may open."""
    can = permissions.can
    wanted = [
        (can(user, permissions.MANAGE_ACCOUNTS), _("アカウントの発行・停止"), "accounts:manage"),
        (can(user, permissions.VIEW_AUDIT), _("監査ログ"), "accounts:audit"),
        (can(user, permissions.EDIT_CONTENT), _("資料の登録"), "documents:create"),
        (can(user, permissions.EDIT_CONTENT), _("お知らせの登録"), "documents:announcement_create"),
        (can(user, permissions.EDIT_CONTENT), _("ポータルページ"), "documents:portal_pages"),
        (
            can(user, permissions.EDIT_CONTENT),
            _("事務・手続の取込（Excel）"),
            "documents:procedures_import",
        ),
        (can(user, permissions.EDIT_CONTENT), _("FAQの取込（Excel）"), "faq:import"),
        (can(user, permissions.EDIT_CONTENT), _("FAQ・問い合わせの集計"), "faq:report"),
        (can(user, permissions.EDIT_CONTENT), _("問い合わせ一覧"), "faq:inquiries"),
        (user.is_staff, _("システム管理（Django 管理画面）"), "admin:index"),
    ]
    return [(str(label), url) for allowed, label, name in wanted if allowed and (url := _url(name))]


def nav_items(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path, items = request.path, []
    for label, url, prefixes in _entries(user):
        if url is None:
            continue
        current = path == url if url == "/" else path.startswith((url, *prefixes))
        items.append(NavItem(str(label), url, current))
    return {"nav_items": items}

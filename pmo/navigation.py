"""The seed's top bar (TOP, ドキュメント, 事務・手続, FAQ, 管理), plus 進捗確認 for those who
review. An entry appears only when its page exists and the user may
open it, so nobody is offered a link that answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts import permissions

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


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


def _entries(user) -> list[tuple[StrOrPromise, str | None, tuple[str, ...]]]:
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


@dataclass(frozen=True)
class SubNavItem:
    key: str  # what the page passes as ``current``
    label: str
    url: str


def _sub(wanted, query: str = "") -> list[SubNavItem]:
    return [
        SubNavItem(key, str(label), url + query)
        for allowed, key, label, name in wanted
        if allowed and (url := _url(name))
    ]


def review_links(user, programme=None) -> list[SubNavItem]:
    """進捗確認's sub-menu: the pages this user may open (the same answers as the views'),
    each for the programme shown. Follow-ups are everyone's (their own organisation's);
    the national pages are REVIEW's."""
    can = permissions.can
    review = can(user, permissions.REVIEW)
    wanted = [
        (review, "index", _("全国の状況"), "review:index"),
        (review, "late", _("遅延一覧"), "review:late"),
        (review, "not_started", _("未入力・未着手"), "review:not_started"),
        (_signed_in(user), "follow_ups", _("フォローアップ"), "review:follow_ups"),
        (review, "checks", _("計画の確認"), "review:checks"),
        (
            can(user, permissions.ASSIGN_REVIEWERS),
            "assignments",
            _("担当の割り当て"),
            "review:assignments",
        ),
    ]
    return _sub(wanted, f"?programme={programme.pk}" if programme is not None else "")


def account_links(user) -> list[SubNavItem]:
    """The account pages' sub-menu (管理メニュー): what this user may open."""
    can = permissions.can
    accounts = can(user, permissions.MANAGE_ACCOUNTS)
    wanted = [
        (accounts, "list", _("アカウント一覧"), "accounts:manage"),
        (accounts, "new", _("アカウント発行"), "accounts:new"),
        (accounts, "bulk", _("一括発行（Excel）"), "accounts:bulk"),
        (
            can(user, permissions.SET_MAIL_DOMAINS),
            "domains",
            _("メールドメイン"),
            "accounts:domains",
        ),
        (can(user, permissions.VIEW_AUDIT), "audit", _("監査ログ"), "accounts:audit"),
        (_signed_in(user) and user.is_staff, "admin", _("システム管理"), "admin:index"),
    ]
    return _sub(wanted)


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


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

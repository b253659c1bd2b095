"""Describing the audit trail to people: each event as a sentence in the reader's language,
with links to what it names while that still exists and the reader may open it (the audit page
and its CSV). Writing the trail is :mod:`accounts.audit`; this read side asks
:mod:`accounts.permissions` which links to give, so the two stay apart (no import cycle).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.models import AuditEvent
from pmo import field_labels

# --- Describing events to people ---------------------------------------------------------------
# The stored columns stay as they were written (the CSV export keeps them raw); what the audit
# page shows is a sentence in the reader's language: who did what to which organisation or
# object, with a link while that object still exists and the reader may open it.

_ACTIONS = {
    "view": _("閲覧"),
    "edit_plan": _("計画の編集"),
    "advise": _("助言"),
    "follow_up": _("フォローアップ"),
    "manage_accounts": _("アカウントの管理"),
    "manage": _("管理メニューの利用"),
    "review": _("府省庁による確認"),
    "view_audit": _("監査ログの閲覧"),
    "edit_content": _("コンテンツの編集"),
}
_GRANTS = {
    "view_plan": _("計画の閲覧"),
    "edit_plan": _("計画の編集（委託先など）"),
    "follow_up": _("フォローアップ担当"),
}
_FIELDS = {
    "email": _("メールアドレス"),
    "display_name": _("氏名"),
    "role": _("役割"),
    "organization": _("団体"),
    "organizations": _("公開先の団体"),
    "department": _("所属部署"),
    "is_active": _("利用"),
    "permission": _("権限"),
    "mail_domains": _("メールドメイン"),
    "status": _("状態"),
    "tags": _("タグ"),
    "procedures": _("関連する事務・手続"),
}
_DENIED = re.compile(r"(?P<action>[a-z_]+) (?P<method>[A-Z]+) (?P<path>/\S*)")
_DOCUMENT = re.compile(r"document:(\d+)\b")
_SURVEY = re.compile(r"survey:(\d+)\b")
_FAQ = re.compile(r"FAQ (\d+)")
_INQUIRY = re.compile(r"\bQ-(\d{5,})\b")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(T[\d:.]+([+-]\d{2}:\d{2}|Z)?)?")


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Described:
    event: AuditEvent
    text: str
    link: str = ""
    link_label: str = ""
    changes: list[Change] = field(default_factory=list)


def _person(user, email: str) -> str:
    if user is not None and user.display_name:
        return _("%(name)s（%(email)s）") % {"name": user.display_name, "email": user.email}
    return email or ""


def _document_field(key: str, event: AuditEvent):
    if not event.target.startswith("document:"):
        return None
    from documents.models import Document

    try:
        return Document._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def _value(key: str, value: Any, org_names: dict[str, str], event: AuditEvent | None = None) -> str:
    from accounts.roles import Role

    if value in (None, "", [], {}):
        return str(_("（なし）"))
    found = _document_field(key, event) if event is not None else None
    if found is not None and getattr(found, "choices", None) and not isinstance(value, list):
        return str(dict(found.flatchoices).get(value, value))
    if found is not None and found.is_relation and found.many_to_one:
        # publisher_id / category_id: the name, looked up for the whole page in describe()
        return org_names.get(f"{found.related_model.__name__}:{value}", str(value))
    if key == "role":
        return str(dict(Role.choices).get(value, value))
    if key == "is_active" and isinstance(value, bool):
        return str(_("利用中") if value else _("停止中"))
    if key == "permission":
        return str(_GRANTS.get(value, value))
    if key in ("organization", "organizations"):
        codes = value if isinstance(value, list) else [value]
        return str(_("、")).join(org_names.get(str(code), str(code)) for code in codes)
    if isinstance(value, list):
        return str(_("、")).join(str(v) for v in value)
    if isinstance(value, bool):
        return str(_("はい") if value else _("いいえ"))
    if isinstance(value, str) and _ISO_DATETIME.fullmatch(value):
        return _date_text(value)
    return str(value)


def _date_text(value: str) -> str:
    """``2015-09-25T10:00:00+09:00`` → ``2015/09/25 10:00`` (Asia/Tokyo): one date format."""
    from datetime import date, datetime

    if "T" not in value:
        return date.fromisoformat(value).strftime("%Y/%m/%d")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y/%m/%d %H:%M")


def _label(key: str, event: AuditEvent) -> str:
    if key in _FIELDS:
        return str(_FIELDS[key])
    if event.target.startswith("document:"):
        from documents.models import Document

        try:
            return field_labels.label(Document, key)
        except FieldDoesNotExist:  # a key no longer on the model: shown as it was stored
            return key
    return key


def _changes(event: AuditEvent, org_names: dict[str, str]) -> list[Change]:
    before, after = event.before or {}, event.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    keys = list(dict.fromkeys([*before, *after]))
    if before and after:  # show what changed, not every snapshot value
        keys = [key for key in keys if before.get(key) != after.get(key)]
    return [
        Change(
            _label(key, event),
            _value(key, before.get(key), org_names, event) if key in before else "",
            _value(key, after.get(key), org_names, event) if key in after else "",
        )
        for key in keys
    ]


def _role(value: object) -> str:
    """A stored role's label (a role no longer known: as stored)."""
    from accounts.roles import Role

    stored = str(value or "")
    return str(dict(Role.choices).get(stored, stored))


def _text(event: AuditEvent) -> str:
    K = AuditEvent.Kind
    actor = _person(event.actor, event.actor_email) or str(_("（システム）"))
    person = _person(event.target_user, "") or event.target
    org = event.organization.full_name if event.organization else ""
    after, before = event.after or {}, event.before or {}
    # Dates written into details as ISO (期日延長を承認 2015-10-01) read as 2015/10/01.
    detail = re.sub(r"\b(\d{4})-(\d{2})-(\d{2})\b", r"\1/\2/\3", event.detail)
    values: dict[str, object] = {"actor": actor, "user": person, "org": org, "detail": detail}
    if event.kind == K.ISSUED:
        values["role"] = _role(after.get("role"))
        return _(
            "%(actor)s が %(org)s の %(user)s のアカウントを発行しました（役割: %(role)s）"
        ) % (values)
    if event.kind == K.ACTIVATED:
        return _("%(user)s がアカウントの利用を開始しました") % values
    if event.kind == K.LINK_RESENT:
        return _("%(actor)s が %(user)s に利用開始の案内を再送しました") % values
    if event.kind == K.STOPPED:
        return _("%(actor)s が %(user)s のアカウントを停止しました") % values
    if event.kind == K.RESTARTED:
        return _("%(actor)s が %(user)s のアカウントを再開しました") % values
    if event.kind == K.ROLE_CHANGED:
        values["before"] = _role(before.get("role"))
        values["after"] = _role(after.get("role"))
        return (
            _("%(actor)s が %(user)s の役割を「%(before)s」から「%(after)s」に変更しました")
            % values
        )
    if event.kind in (K.GRANT_GIVEN, K.GRANT_TAKEN):
        code = (after or before).get("permission", "")
        values["permission"] = _GRANTS.get(code, code)
        if event.kind == K.GRANT_GIVEN:
            return (
                _("%(actor)s が %(user)s に %(org)s の「%(permission)s」の権限を付与しました")
                % values
            )
        return (
            _("%(actor)s が %(user)s から %(org)s の「%(permission)s」の権限を取り消しました")
            % values
        )
    if event.kind == K.LOGIN_SUCCEEDED:
        return _("%(user)s がログインしました") % values
    if event.kind == K.LOGIN_FAILED:
        return _("%(user)s のログインに失敗しました") % values
    if event.kind == K.ACCESS_DENIED:
        if event.actor_id is None and not event.actor_email:
            values["actor"] = _("ログインしていない利用者")
        if match := _DENIED.fullmatch(event.detail):
            values["action"] = _ACTIONS.get(match["action"], match["action"])
            values["path"] = match["path"]
            values["what"] = (
                _("ページの表示") if match["method"] in ("GET", "HEAD") else _("操作の送信")
            )
            if org:
                return (
                    _(
                        "%(actor)s が %(org)s の%(action)s（%(path)s の%(what)s）を試みましたが、"
                        "権限がないため拒否しました"
                    )
                    % values
                )
            return (
                _(
                    "%(actor)s が%(action)s（%(path)s の%(what)s）を試みましたが、"
                    "権限がないため拒否しました"
                )
                % values
            )
        return _("%(actor)s の操作を権限がないため拒否しました（%(detail)s）") % values
    if event.kind == K.CHANGED:
        # ``mail_domains 011002``: an internal key naming the organisation, shown by its name
        internal = re.fullmatch(r"[a-z_]+ \S+", event.target) and event.organization_id
        values["object"] = _person(event.target_user, "") or (
            org if internal or not event.target else event.target
        )
        if event.detail:
            return _("%(actor)s が %(object)s を変更しました（%(detail)s）") % values
        return _("%(actor)s が %(object)s を変更しました") % values
    # Content: the detail was written in Japanese by the code that recorded it.
    values["object"] = re.sub(r"^[a-z_]+:\d+ ", "", event.target)
    if values["object"] and org:
        return _("%(actor)s がコンテンツを変更しました：%(detail)s（%(object)s、%(org)s）") % values
    if values["object"] or org:
        values["object"] = values["object"] or org
        return _("%(actor)s がコンテンツを変更しました：%(detail)s（%(object)s）") % values
    return _("%(actor)s がコンテンツを変更しました：%(detail)s") % values


def describe(events, user) -> list[Described]:
    """Sentences, links and readable changes for a page of events, in a fixed number of
    queries whatever the page holds (one per kind of linked object present)."""
    from accounts.models import User
    from orgs.models import Organization

    events = list(events)
    codes: set[str] = set()
    for event in events:
        for values in (event.before, event.after):
            if isinstance(values, dict):
                for key in ("organization", "organizations"):
                    found = values.get(key)
                    codes.update(str(c) for c in (found if isinstance(found, list) else [found]))
    codes.discard("None")
    org_names = {}
    if codes:
        org_names = {
            org.code: org.full_name
            for org in Organization.objects.filter(code__in=codes).select_related(
                "prefecture", "parent"
            )
        }
    org_names |= _related_names(events)
    users = {e.target_user_id for e in events if e.target_user_id}
    documents = {int(m[1]) for e in events if (m := _DOCUMENT.match(e.target))}
    faqs = {
        int(m[1])
        for e in events
        if e.kind == AuditEvent.Kind.CONTENT and (m := _FAQ.search(e.detail))
    }
    inquiries = {int(m[1]) for e in events if (m := _INQUIRY.search(e.target))}
    reachable_users = _reachable(user, User, users, permissions.MANAGE_ACCOUNTS)
    reachable_documents = _reachable(user, _model("documents", "Document"), documents)
    surveys = {int(m[1]) for e in events if (m := _SURVEY.match(e.target))}
    reachable_surveys = _reachable(user, _model("surveys", "Survey"), surveys)
    reachable_inquiries = _reachable(user, _model("faq", "Inquiry"), inquiries)
    reachable_faqs: set[int] = set()
    if faqs:
        reachable_faqs = set(
            permissions.visible(
                user, _model("faq", "FAQ").objects.filter(number__in=faqs)
            ).values_list("number", flat=True)
        )
    reviews = permissions.can(user, permissions.REVIEW)

    described = []
    for event in events:
        item = Described(event, str(_text(event)), changes=_changes(event, org_names))
        if event.target_user_id in reachable_users:
            item.link = reverse("accounts:detail", args=[event.target_user_id])
            item.link_label = str(_("アカウントを開く"))
        elif (m := _DOCUMENT.match(event.target)) and int(m[1]) in reachable_documents:
            item.link = reverse("documents:detail", args=[int(m[1])])
            item.link_label = str(_("資料を開く"))
        elif (m := _SURVEY.match(event.target)) and int(m[1]) in reachable_surveys:
            item.link = reverse("surveys:detail", args=[int(m[1])])
            item.link_label = str(_("照会を開く"))
        elif (m := _INQUIRY.search(event.target)) and int(m[1]) in reachable_inquiries:
            item.link = reverse("faq:inquiry_detail", args=[int(m[1])])
            item.link_label = str(_("問い合わせを開く"))
        elif (
            event.kind == AuditEvent.Kind.CONTENT
            and (m := _FAQ.search(event.detail))
            and int(m[1]) in reachable_faqs
        ):
            item.link = reverse("faq:detail", args=[int(m[1])])
            item.link_label = str(_("FAQを開く"))
        elif (
            event.kind == AuditEvent.Kind.CONTENT
            and reviews
            and event.organization_id
            and event.organization.jis_code
        ):
            item.link = reverse("review:organization", args=[event.organization.code])
            item.link_label = str(_("団体の状況を開く"))
        described.append(item)
    return described


def _related_names(events: list[AuditEvent]) -> dict[str, str]:
    """Names of the organisations and categories document snapshots name by id (a query per
    model present), keyed ``Model:pk``."""
    wanted: dict[str, set[int]] = {"publisher_id": set(), "category_id": set()}
    for event in events:
        if event.target.startswith("document:"):
            for values in (event.before, event.after):
                if isinstance(values, dict):
                    for key, ids in wanted.items():
                        if isinstance(values.get(key), int):
                            ids.add(values[key])
    names: dict[str, str] = {}
    if wanted["publisher_id"]:
        from orgs.models import Organization

        for org in Organization.objects.filter(pk__in=wanted["publisher_id"]).select_related(
            "prefecture", "parent"
        ):
            names[f"Organization:{org.pk}"] = org.full_name
    if wanted["category_id"]:
        for category in _model("documents", "Category").objects.filter(
            pk__in=wanted["category_id"]
        ):
            names[f"Category:{category.pk}"] = str(category)
    return names


def _model(app: str, name: str):
    from django.apps import apps

    return apps.get_model(app, name)


def _reachable(user, model, pks: set[int], action: str | None = None) -> set[int]:

    if not pks:
        return set()
    queryset = model._default_manager.filter(pk__in=pks)
    if action is None:
        queryset = permissions.visible(user, queryset)
    else:
        queryset = permissions.visible(user, queryset, action)
    return set(queryset.values_list("pk", flat=True))


def describe_all(events, user, batch: int = 2000):
    """:func:`describe` over a long iterable (the CSV export), a batch at a time."""
    chunk: list[AuditEvent] = []
    for event in events:
        chunk.append(event)
        if len(chunk) >= batch:
            yield from describe(chunk, user)
            chunk = []
    if chunk:
        yield from describe(chunk, user)

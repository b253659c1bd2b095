"""Target systems kept by their organisation (G. 既存業務システム改修): list, rename and retire.

Listing a system is :func:`add` (it creates G's entries for it). Here the organisation
renames its own systems (a shared one — ``organization=None`` — is named for everyone and
cannot be renamed by one organisation) and retires or restores the systems it listed.

Retiring keeps everything that was entered (entries, their history, the flags as they were)
and takes the system's entries out of the figures from that day: each entry gets
``retired_on`` (recorded in its history, so a past date's report still counts it), and the
entries are announced with ``entry_saved`` like any save, so delay detection resolves their
open flags, takes them out of the rollup and stops looking at them (``next_check_on``), all in
the same transaction. The entries are locked first (in id order, as the nightly scan's batch
locks them), so a scan running at the same moment judges them either before the retirement
or after it, never half.

Each change writes its own audit row in the same transaction (``request=None`` from the shell,
the admin or a worker: the row names the user, without an address), so a change made anywhere
leaves the trace a change on the plan page leaves.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from actionplan.models import OrganizationSystem, PlanEntry, TargetSystem
from actionplan.publishing import systems_listed
from actionplan.services import EntryInvalid
from actionplan.signals import entry_saved
from orgs.models import Organization
from pmo import history

MAX_NAME = 100


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise EntryInvalid({"name": _("システム名を入力してください。")})
    if len(name) > MAX_NAME:
        raise EntryInvalid({"name": _("システム名は100文字以内で入力してください。")})
    return name


@transaction.atomic
def add(user, organization: Organization, name: str, *, request=None) -> OrganizationSystem:
    """List a target system for the organisation: a shared one by name, or its own. G's
    entries for it are created (:func:`actionplan.publishing.systems_listed`), audited."""
    name = name.strip()
    if not name:
        raise EntryInvalid({"system": _("システム名を入力してください。")})
    system = TargetSystem.objects.filter(name=name, organization=None).first()
    if system is None:
        system, _created = TargetSystem.objects.get_or_create(name=name, organization=organization)
    link, created = OrganizationSystem.objects.get_or_create(
        organization=organization, system=system
    )
    if not created and link.retired_on is not None:
        raise EntryInvalid(
            {
                "system": _(
                    "「%(name)s」は廃止済みです。使うときは一覧の「復元」を押してください。"
                )
                % {"name": name}
            }
        )
    if not created:
        raise EntryInvalid({"system": _("「%(name)s」は登録済みです。") % {"name": name}})
    systems_listed(organization)
    audit.record(
        audit.Kind.CONTENT,
        request=request,
        actor=user,
        organization=organization,
        target=link,
        after={"system": link.system.name},
        detail="対象システムを追加",
    )
    return link


@transaction.atomic
def rename(user, link: OrganizationSystem, name: str, *, request=None) -> tuple[str, str]:
    """Rename the organisation's own system; returns (old name, new name). The label is the
    system's one name, so every page, sheet and report shows the new one at once."""
    system = TargetSystem.objects.select_for_update().get(pk=link.system_id)
    if system.organization_id != link.organization_id:
        raise EntryInvalid(
            {"name": _("共通の対象システムの名前は変更できません（すべての団体で共通です）。")}
        )
    name = clean_name(name)
    old = system.name
    if name == old:
        raise EntryInvalid({"name": _("今と同じ名前です。新しい名前を入力してください。")})
    taken = TargetSystem.objects.filter(name=name, organization=None).exists()
    if taken:
        raise EntryInvalid(
            {
                "name": _("「%(name)s」は共通の対象システムの名前です。別の名前にしてください。")
                % {"name": name}
            }
        )
    if TargetSystem.objects.filter(name=name, organization_id=link.organization_id).exists():
        raise EntryInvalid({"name": _("「%(name)s」は登録済みです。") % {"name": name}})
    system.name = name
    system.save(update_fields=["name"])
    audit.record(
        audit.Kind.CONTENT,
        request=request,
        actor=user,
        organization=link.organization,
        target=link,
        before={"system": old},
        after={"system": name},
        detail="対象システムの名前を変更",
    )
    return old, name


@transaction.atomic
def retire(user, link: OrganizationSystem, *, on: dt.date | None = None, request=None) -> int:
    """Retire the system for its organisation from ``on`` (today). Returns how many entries
    left the figures. Refused when already retired."""
    on = on or timezone.localdate()
    locked = OrganizationSystem.objects.select_for_update().get(pk=link.pk)
    if locked.retired_on is not None:
        raise EntryInvalid({"name": _("この対象システムは廃止済みです。")})
    locked.retired_on = on
    locked.save(update_fields=["retired_on"])
    count = _mark(user, locked, on)
    # The audit row reads the caller's link (its organisation and system, usually already
    # read with it), not the locked copy.
    audit.record(
        audit.Kind.CONTENT,
        request=request,
        actor=user,
        organization=link.organization,
        target=link,
        before={"retired_on": ""},
        after={"retired_on": str(on)},
        detail=f"対象システムを廃止（{link.system.name}、{count}件）",
    )
    return count


@transaction.atomic
def restore(user, link: OrganizationSystem, *, request=None) -> int:
    """Undo a retirement: the entries count again from today (judged afresh; the flags
    resolved by the retirement stay resolved, new ones are raised if the delay still holds).
    Returns how many entries came back. G's entries of tasks added meanwhile are created."""
    locked = OrganizationSystem.objects.select_for_update().get(pk=link.pk)
    if locked.retired_on is None:
        raise EntryInvalid({"name": _("この対象システムは廃止されていません。")})
    retired_on = locked.retired_on
    locked.retired_on = None
    locked.save(update_fields=["retired_on"])
    count = _mark(user, locked, None)
    systems_listed(locked.organization)
    audit.record(
        audit.Kind.CONTENT,
        request=request,
        actor=user,
        organization=link.organization,
        target=link,
        before={"retired_on": str(retired_on)},
        after={"retired_on": ""},
        detail=f"対象システムを復元（{link.system.name}、{count}件）",
    )
    return count


def _mark(user, link: OrganizationSystem, on: dt.date | None) -> int:
    """Set ``retired_on`` on the link's entries (a history record each: who and when) and
    have them judged again. Queries: the locked entries, one save each, the judging."""
    entries = list(
        PlanEntry.objects.select_for_update()
        .filter(organization_id=link.organization_id, system_id=link.system_id)
        .order_by("pk")
    )
    for entry in entries:
        entry.retired_on = on
        entry.next_check_on = None  # judged by the signal below, which sets it again
        # A new version: an edit based on the entry as it was is refused, never saved over
        # the retirement (actionplan.services.save_entry claims by version).
        entry.version += 1
        entry.updated_by = user
        history.changed_by(entry, user)
        entry.save(
            update_fields=["retired_on", "next_check_on", "version", "updated_by", "updated_at"]
        )
    if entries:
        entry_saved.send(PlanEntry, entry_ids=[entry.pk for entry in entries])
    return len(entries)


def systems_of(organization: Organization):
    """The organisation's listed systems, current ones first, each with its system."""
    return (
        OrganizationSystem.objects.filter(organization=organization)
        .select_related("system")
        .order_by(F("retired_on").asc(nulls_first=True), "system__order", "system__name")
    )

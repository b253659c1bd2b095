"""Target systems kept by their organisation: staff add, rename, retire and restore their own
G systems on the plan page; a retired system's entries keep their history and leave the
figures (flags, rollup, /review/, the late list, the report) from that day."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditEvent
from actionplan import publishing, systems
from actionplan import services as plan_services
from actionplan import systems as plan_systems
from actionplan.models import OrganizationSystem, PlanEntry, TargetSystem
from review import figures, judging, rollups
from review.models import DelayFlag, EntryState
from review.selectors import Scope
from tests.review import oracle

D = dt.date
OWN = "独自の福祉システム"
SHARED = "個人住民税"


def systems_url(org, *parts) -> str:
    base = reverse("actionplan:plan", args=[org.code]) + "systems/"
    return base + "".join(f"{part}/" for part in parts)


@pytest.fixture
def listed(plans, sapporo, alice):
    """The published programme; 札幌市 lists its own system and a shared one; every entry
    judged today (the seed's 2015 dates: everything is late)."""
    with time_machine.travel(dt.datetime(2015, 4, 1, 3), tick=False):
        publishing.publish(plans)
    for name in (OWN, SHARED):
        plan_systems.add(alice, sapporo, name)
    judging.scan(send=False)
    return plans


def link_of(org, name: str) -> OrganizationSystem:
    return OrganizationSystem.objects.select_related("system").get(
        organization=org, system__name=name
    )


def entries_of(org, name: str):
    return PlanEntry.objects.filter(organization=org, system__name=name)


def assert_rollup_is_a_full_scan(programme, on=None) -> None:
    assert rollups.stored_cells(programme) == oracle.full_scan(programme, on or judging.today())


# --- rename ------------------------------------------------------------------------------------


def test_staff_rename_their_own_system_and_the_label_changes_everywhere(
    client, listed, sapporo, alice
):
    client.force_login(alice)
    link = link_of(sapporo, OWN)
    response = client.post(systems_url(sapporo, link.pk, "rename"), {"name": " 福祉総合システム "})
    assert response.status_code == 302 and response.url.endswith("#systems")
    assert TargetSystem.objects.get(pk=link.system_id).name == "福祉総合システム"
    client.get(response.url)  # the page with the notice that names the old name
    body = client.get(reverse("actionplan:plan", args=[sapporo.code])).content.decode()
    assert "（福祉総合システム）" in body and OWN not in body  # the rows' label too
    event = AuditEvent.objects.get(detail="対象システムの名前を変更")
    assert event.before == {"system": OWN} and event.after == {"system": "福祉総合システム"}
    assert event.organization == sapporo and event.actor == alice


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "システム名を入力してください。"),
        ("   ", "システム名を入力してください。"),
        (OWN, "今と同じ名前です。"),
        ("介護保険", "「介護保険」は共通の対象システムの名前です。"),
        ("別の独自システム", "「別の独自システム」は登録済みです。"),
        ("長" * 101, "システム名は100文字以内で入力してください。"),
    ],
)
def test_bad_names_are_refused_with_a_message_and_nothing_changes(
    client, listed, sapporo, alice, name, message
):
    plan_systems.add(alice, sapporo, "別の独自システム")
    client.force_login(alice)
    link = link_of(sapporo, OWN)
    response = client.post(systems_url(sapporo, link.pk, "rename"), {"name": name}, follow=True)
    assert message in response.content.decode()
    assert TargetSystem.objects.get(pk=link.system_id).name == OWN
    assert not AuditEvent.objects.filter(detail="対象システムの名前を変更").exists()


def test_a_shared_system_cannot_be_renamed_by_an_organisation(client, listed, sapporo, alice):
    client.force_login(alice)
    link = link_of(sapporo, SHARED)
    response = client.post(systems_url(sapporo, link.pk, "rename"), {"name": "住民税"}, follow=True)
    assert "共通の対象システムの名前は変更できません" in response.content.decode()
    assert TargetSystem.objects.filter(name=SHARED, organization=None).exists()
    body = client.get(reverse("actionplan:plan", args=[sapporo.code])).content.decode()
    assert f'action="{systems_url(sapporo, link.pk, "rename")}"' not in body  # not offered


def test_adding_a_duplicate_is_refused_with_a_message(client, listed, sapporo, alice):
    client.force_login(alice)
    before = PlanEntry.objects.count()
    added = AuditEvent.objects.filter(detail="対象システムを追加")
    listed_before = added.count()  # the fixture's own listings are audited too
    response = client.post(systems_url(sapporo), {"system": OWN}, follow=True)
    assert f"「{OWN}」は登録済みです。" in response.content.decode()
    assert PlanEntry.objects.count() == before
    response = client.post(systems_url(sapporo), {"system": "新しいシステム"}, follow=True)
    assert "対象システムを追加しました。" in response.content.decode()
    assert added.count() == listed_before + 1


# --- reach -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["bob", "prefecture_admin", "coordinator"])
def test_only_those_who_may_edit_the_plan_keep_its_systems(client, listed, sapporo, who, request):
    """函館市's staff, the prefecture (which sees but does not edit) and the coordinator: 404,
    and nothing changes."""
    client.force_login(request.getfixturevalue(who))
    link = link_of(sapporo, OWN)
    for action, data in (("rename", {"name": "乗っ取り"}), ("retire", {})):
        assert client.post(systems_url(sapporo, link.pk, action), data).status_code == 404
    link.refresh_from_db()
    assert link.retired_on is None and link.system.name == OWN


def test_another_organisations_system_is_404_on_ones_own_plan(
    client, listed, sapporo, hakodate, bob
):
    """A link id of 札幌市 under 函館市's own address: not found there."""
    client.force_login(bob)
    link = link_of(sapporo, OWN)
    assert client.post(systems_url(hakodate, link.pk, "retire")).status_code == 404
    assert link_of(sapporo, OWN).retired_on is None


# --- retire and restore ------------------------------------------------------------------------


def test_retiring_keeps_the_history_and_takes_the_entries_out_of_the_figures(
    client, listed, sapporo, alice, coordinator
):
    today = judging.today()
    retired = list(entries_of(sapporo, OWN).values_list("pk", flat=True))
    assert len(retired) == 3  # G 設計, 製造, テスト
    open_before = DelayFlag.objects.filter(entry_id__in=retired, resolved_at=None).count()
    history_before = PlanEntry.history.filter(id__in=retired).count()
    flags_before = DelayFlag.objects.filter(entry_id__in=retired).count()
    assert open_before > 0
    client.force_login(coordinator)
    late_csv = reverse("review:late_export", args=["csv"])
    assert OWN in client.get(late_csv).content.decode()
    client.force_login(alice)
    link = link_of(sapporo, OWN)
    response = client.post(systems_url(sapporo, link.pk, "retire"), follow=True)
    assert "を廃止しました" in response.content.decode()
    # Kept: the entries, their history (one more record each: the retirement), every flag.
    assert PlanEntry.objects.filter(pk__in=retired).count() == 3
    assert PlanEntry.history.filter(id__in=retired).count() == history_before + 3
    assert DelayFlag.objects.filter(entry_id__in=retired).count() == flags_before
    # Out of the figures: open flags resolved today, no rollup state, not looked at again.
    assert not DelayFlag.objects.filter(entry_id__in=retired, resolved_at=None).exists()
    assert DelayFlag.objects.filter(entry_id__in=retired, resolved_at=today).count() == open_before
    assert not EntryState.objects.filter(entry_id__in=retired).exists()
    assert set(
        PlanEntry.objects.filter(pk__in=retired).values_list("next_check_on", flat=True)
    ) == {judging.NEVER}
    assert_rollup_is_a_full_scan(listed)
    assert AuditEvent.objects.filter(detail__startswith="対象システムを廃止").count() == 1
    # The plan page: greyed and marked with the day, no edit link on those rows.
    body = client.get(reverse("actionplan:plan", args=[sapporo.code])).content.decode()
    assert body.count(f"廃止（{today:%Y/%m/%d}）") == 3 + 1  # three rows and the systems box
    for pk in retired:
        assert f"entries/{pk}/edit/" not in body
    # Not in the late list any more.
    client.force_login(coordinator)
    assert OWN not in client.get(late_csv).content.decode()


def test_the_nightly_scan_never_brings_a_retired_system_back(listed, sapporo, alice):
    systems.retire(alice, link_of(sapporo, OWN))
    retired = list(entries_of(sapporo, OWN).values_list("pk", flat=True))
    later = judging.today() + dt.timedelta(days=40)
    judging.rejudge_all(later)  # every entry judged again, retired ones included
    judging.scan(later + dt.timedelta(days=1), send=False)
    assert not DelayFlag.objects.filter(entry_id__in=retired, resolved_at=None).exists()
    assert not EntryState.objects.filter(entry_id__in=retired).exists()
    assert_rollup_is_a_full_scan(listed, later + dt.timedelta(days=1))


def test_retired_entries_cannot_be_edited_and_get_no_new_rows(listed, sapporo, alice):
    systems.retire(alice, link_of(sapporo, OWN))
    target = entries_of(sapporo, OWN).first()
    with pytest.raises(plan_services.EntryInvalid) as refused:
        plan_services.save_entry(alice, target.pk, {"remarks": "x"}, target.version)
    assert "廃止した対象システムの計画は変更できません" in str(refused.value)
    assert publishing.systems_listed(sapporo) == 0  # no rows made for a retired system
    with pytest.raises(plan_services.EntryInvalid):
        plan_systems.add(alice, sapporo, OWN)  # listed, retired: restore it instead


def test_a_sheet_import_cannot_change_a_retired_row_and_names_it(listed, sapporo, alice):
    """The bulk save of the sheet import refuses as the row edit does, all or nothing, and
    says which row (so the marked workbook points at it, not at the sheet's first row)."""
    systems.retire(alice, link_of(sapporo, OWN))
    kept = plan_services._load(entries_of(sapporo, SHARED).first().pk)
    retired = plan_services._load(entries_of(sapporo, OWN).first().pk)
    changes = [
        (kept, {"remarks": "変更"}, kept.version),
        (retired, {"remarks": "x"}, retired.version),
    ]
    with pytest.raises(plan_services.EntryInvalid) as refused:
        plan_services.save_entries(alice, changes)
    assert refused.value.entry_id == retired.pk
    assert "廃止した対象システムの計画は変更できません" in str(refused.value)
    assert PlanEntry.objects.get(pk=kept.pk).remarks == ""  # nothing half-saved


def test_an_edit_begun_before_the_retirement_is_refused_not_saved_over_it(listed, sapporo, alice):
    target = entries_of(sapporo, OWN).first()
    seen = target.version
    systems.retire(alice, link_of(sapporo, OWN))
    with pytest.raises(plan_services.ConflictError):
        plan_services.save_entry(alice, target.pk, {"remarks": "古い画面から"}, seen)
    target.refresh_from_db()
    assert target.retired_on is not None and target.remarks == ""


def test_restoring_counts_the_entries_again(client, listed, sapporo, alice):
    link = link_of(sapporo, OWN)
    systems.retire(alice, link)
    client.force_login(alice)
    response = client.post(systems_url(sapporo, link.pk, "retire"), {"restore": "1"}, follow=True)
    assert "を復元しました" in response.content.decode()
    restored = list(entries_of(sapporo, OWN).values_list("pk", flat=True))
    assert PlanEntry.objects.filter(pk__in=restored, retired_on=None).count() == 3
    assert EntryState.objects.filter(entry_id__in=restored).count() == 3
    assert DelayFlag.objects.filter(entry_id__in=restored, resolved_at=None).exists()
    assert_rollup_is_a_full_scan(listed)
    # Twice: a clear message, nothing changes.
    response = client.post(systems_url(sapporo, link.pk, "retire"), {"restore": "1"}, follow=True)
    assert "この対象システムは廃止されていません。" in response.content.decode()


def test_index_counts_the_entries_out_from_the_day_of_retiring(
    client, listed, sapporo, alice, coordinator
):
    client.force_login(coordinator)

    def national_entries() -> int:
        return sum(n for (n, _w) in rollups.stored_cells(listed)[0].values())

    before = national_entries()
    systems.retire(alice, link_of(sapporo, SHARED))
    assert national_entries() == before - 3
    assert client.get(reverse("review:index")).status_code == 200


def test_a_past_report_counts_what_was_counted_then(listed, sapporo, alice):
    """The report of a day before the retirement still counts the system's entries; today's
    (rebuilt from the history as a past day would be) does not, and equals the rollup."""
    today = judging.today()
    before = figures.figures(listed, today, Scope(), from_history=True)
    with time_machine.travel(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(3))):
        systems.retire(alice, link_of(sapporo, OWN))
        after = figures.figures(listed, today + dt.timedelta(days=1), Scope(), from_history=True)
        stored = rollups.stored_cells(listed)
        past = figures.figures(listed, today, Scope(), from_history=True)
    assert past.status == before.status and past.rule == before.rule
    assert sum(n for n, _ in after.status.values()) == sum(n for n, _ in before.status.values()) - 3
    assert after.status == stored[0] and after.rule == stored[1]


def test_a_programme_without_per_system_work_shows_no_systems_box(client, listed, sapporo, alice):
    from actionplan.models import Task

    client.force_login(alice)
    plan_url = reverse("actionplan:plan", args=[sapporo.code])
    assert 'id="systems"' in client.get(plan_url).content.decode()
    Task.objects.filter(per_system=True).update(per_system=False)
    assert 'id="systems"' not in client.get(plan_url).content.decode()


def test_the_edit_form_of_a_retired_row_explains_and_saves_nothing(client, listed, sapporo, alice):
    systems.retire(alice, link_of(sapporo, OWN))
    target = entries_of(sapporo, OWN).first()
    client.force_login(alice)
    address = reverse("actionplan:entry_edit", args=[sapporo.code, target.pk])
    response = client.post(
        address,
        {"version": target.version, "status": "not_started", "remarks": "変更", "progress": 0},
    )
    assert "廃止した対象システムの計画は変更できません" in response.content.decode()
    target.refresh_from_db()
    assert target.remarks == ""

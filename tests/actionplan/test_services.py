"""The save path: rules on save, the version check, history and reading a plan as of a date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from actionplan import entry_history, publishing, selectors, services, systems
from actionplan.models import PlanEntry, Task
from tests.actionplan.conftest import ON, entry

D = dt.date
PLAN_B = {"planned_start": D(2015, 4, 1), "planned_end": D(2015, 9, 30)}


def test_entries_follow_applicability(programme, sapporo, hokkaido, plan):
    publishing.ensure_entries(hokkaido, programme)
    codes = set(
        PlanEntry.objects.filter(organization=hokkaido).values_list(
            "task__work_item__code", flat=True
        )
    )
    assert "B" not in codes  # B is for municipalities only
    assert {"A", "C", "D", "K"} <= codes
    sapporo_b = PlanEntry.objects.filter(organization=sapporo, task__work_item__code="B")
    assert sapporo_b.count() == 3
    # G's three tasks once per listed target system, no G rows without one.
    assert PlanEntry.objects.filter(organization=sapporo, task__per_system=True).count() == 6
    assert not PlanEntry.objects.filter(organization=hokkaido, task__per_system=True).exists()


def test_ensure_entries_is_idempotent(programme, sapporo, plan):
    before = plan.count()
    assert publishing.ensure_entries(sapporo, programme) == 0
    assert PlanEntry.objects.filter(organization=sapporo).count() == before


def test_adding_a_system_adds_its_g_rows(programme, sapporo, alice, plan):
    systems.add(alice, sapporo, "独自の福祉システム")
    assert entry(sapporo, "G", "設計", "独自の福祉システム").organization == sapporo
    with pytest.raises(services.EntryInvalid):
        systems.add(alice, sapporo, "独自の福祉システム")


def test_save_bumps_version_and_records_who(alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    result = services.save_entry(alice, target.pk, PLAN_B, 1, on=ON)
    target.refresh_from_db()
    assert result.changed and target.version == 2
    assert target.planned_end == D(2015, 9, 30) and target.updated_by == alice
    latest = target.history.latest()
    assert latest.history_user == alice and latest.version == 2


def test_invalid_save_writes_nothing(alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    bad = {"planned_start": D(2015, 9, 1), "planned_end": D(2015, 4, 1)}
    with pytest.raises(services.EntryInvalid) as raised:
        services.save_entry(alice, target.pk, bad, 1, on=ON)
    assert raised.value.errors == {
        "planned_end": "計画終了日は計画開始日（2015/09/01）以降にしてください。"
    }
    target.refresh_from_db()
    assert target.version == 1 and target.planned_start is None
    assert target.history.count() == 1


def test_done_refused_until_completion_items_answered(alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    done = {"status": "done", "actual_start": D(2015, 4, 1), "actual_end": D(2015, 7, 31)}
    with pytest.raises(services.EntryInvalid) as raised:
        services.save_entry(alice, target.pk, done, 1, on=ON)
    question = target.task.completion_items.get(label="本番環境での動作確認")
    assert raised.value.errors == {
        f"c_{question.pk}": "完了にするには「本番環境での動作確認」を入力してください。"
    }
    answered = {**done, "completion": {str(question.pk): "yes"}}
    assert services.save_entry(alice, target.pk, answered, 1, on=ON).changed


def test_second_edit_of_same_version_is_refused_with_what_changed(alice, carol, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    services.save_entry(alice, target.pk, PLAN_B, 1, on=ON)
    with pytest.raises(services.ConflictError) as raised:
        services.save_entry(carol, target.pk, {"remarks": "キャロルの備考"}, 1, on=ON)
    conflict = raised.value
    assert conflict.changed_by == "札幌 アリス"
    assert {(c.field, c.before, c.after) for c in conflict.changes} == {
        ("planned_start", None, D(2015, 4, 1)),
        ("planned_end", None, D(2015, 9, 30)),
    }
    target.refresh_from_db()
    assert target.remarks == "" and target.version == 2  # carol's edit did not land


def test_conditional_update_refuses_a_stale_claim(alice, carol, plan, sapporo):
    """Both read version 1; alice saves; carol's pre-check passes on her stale copy, and the
    ``UPDATE … WHERE version = 1`` is what refuses her."""
    stale = services._load(entry(sapporo, "B", "住民票記載事項の追加").pk)
    services.save_entry(alice, stale.pk, PLAN_B, 1, on=ON)
    with pytest.raises(services.ConflictError):
        services.save_entry(carol, stale.pk, {"remarks": "後から"}, 1, on=ON, entry=stale)
    assert PlanEntry.objects.get(pk=stale.pk).remarks == ""


def test_unchanged_save_is_a_no_op(alice, plan, sapporo):
    target = entry(sapporo, "A", "住民への広報活動")
    result = services.save_entry(alice, target.pk, {"remarks": ""}, 1, on=ON)
    assert not result.changed
    assert PlanEntry.objects.get(pk=target.pk).version == 1


def test_warnings_do_not_refuse(alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    late = {"planned_start": D(2015, 4, 1), "planned_end": D(2015, 10, 31)}
    result = services.save_entry(alice, target.pk, late, 1, on=ON)
    assert result.changed
    assert result.warnings == ["計画終了がマイルストーン（2015/09/30）より31日遅れています。"]


def test_dependency_warning_on_the_plan(alice, plan, sapporo):
    b = entry(sapporo, "B", "中間サーバーとの連携")
    services.save_entry(
        alice, b.pk, {"planned_start": D(2016, 1, 4), "planned_end": D(2016, 6, 30)}, 1, on=ON
    )
    f = entry(sapporo, "F", "中間サーバーとの連携テスト")
    result = services.save_entry(
        alice, f.pk, {"planned_start": D(2016, 4, 1), "planned_end": D(2016, 9, 30)}, 1, on=ON
    )
    assert any("前提タスク「中間サーバーとの連携」" in w for w in result.warnings)
    rows = {row.entry.pk: row for row in selectors.plan(sapporo, f.task.work_item.programme).rows}
    assert rows[f.pk].warnings == result.warnings


def test_one_row_is_the_plan_row_for_every_entry(alice, plan, sapporo, programme):
    """The edit form and the save answer read one row (selectors.row): it must be the row
    the plan shows, warnings (per-system prerequisites too), milestone and bars alike."""
    b = entry(sapporo, "B", "中間サーバーとの連携")
    services.save_entry(
        alice, b.pk, {"planned_start": D(2016, 1, 4), "planned_end": D(2016, 6, 30)}, 1, on=ON
    )
    f = entry(sapporo, "F", "中間サーバーとの連携テスト")
    services.save_entry(
        alice, f.pk, {"planned_start": D(2016, 4, 1), "planned_end": D(2016, 9, 30)}, 1, on=ON
    )
    rows = selectors.plan(sapporo, programme).rows
    assert any(row.warnings for row in rows) and any(row.entry.system_id for row in rows)
    for expected in rows:
        one = selectors.row(sapporo, programme, expected.entry)
        assert one == expected and one.entry.task.work_item == expected.entry.task.work_item


def test_seed_dependencies_and_texts(programme):
    f = Task.objects.get(work_item__programme=programme, work_item__code="F")
    assert {str(t) for t in f.depends_on.all()} == {"B. 中間サーバーとの連携", "G. テスト"}
    k = Task.objects.get(work_item__programme=programme, work_item__code="K")
    assert [str(t) for t in k.depends_on.all()] == ["F. 中間サーバーとの連携テスト"]
    d = programme.work_items.get(code="D")
    assert d.notes.startswith("地方公共団体は全国2箇所に設置する中間サーバー・プラットフォーム")
    assert not d.tasks.filter(needs_procurement=True).exists()
    assert programme.work_items.get(code="B").applies_to == ["municipality"]


def test_seed_load_is_idempotent(programme):
    from actionplan import seed

    counts = (programme.work_items.count(), Task.objects.count())
    seed.load()
    assert (programme.work_items.count(), Task.objects.count()) == counts


def test_history_lists_who_changed_what(alice, carol, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    services.save_entry(alice, target.pk, PLAN_B, 1, on=ON)
    services.save_entry(carol, target.pk, {"planned_end": D(2015, 8, 31)}, 2, on=ON)
    changes = entry_history.history(target)
    assert [c["who"] for c in changes] == ["札幌 キャロル", "札幌 アリス", ""]
    assert changes[0]["fields"] == [("計画終了", D(2015, 9, 30), D(2015, 8, 31))]
    assert ("計画開始", None, D(2015, 4, 1)) in changes[1]["fields"]
    assert changes[2]["created"]


def test_plan_as_of_a_past_date(alice, plan, sapporo, programme):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    services.save_entry(alice, target.pk, PLAN_B, 1, on=ON)
    PlanEntry.history.filter(id=target.pk, version=2).update(
        history_date=timezone.make_aware(dt.datetime(2015, 5, 1, 10))
    )
    services.save_entry(alice, target.pk, {"planned_end": D(2015, 8, 31)}, 2, on=ON)
    PlanEntry.history.filter(id=target.pk, version=3).update(
        history_date=timezone.make_aware(dt.datetime(2015, 6, 1, 10))
    )
    PlanEntry.history.filter(version=1).update(
        history_date=timezone.make_aware(dt.datetime(2015, 3, 1, 10))
    )

    def as_of(day):
        end = timezone.make_aware(dt.datetime.combine(day, dt.time.max))
        rows = selectors.plan(sapporo, programme, as_of=end).rows
        return next(row.entry for row in rows if row.entry.id == target.pk)

    assert as_of(D(2015, 4, 30)).planned_end is None
    assert as_of(D(2015, 5, 1)).planned_end == D(2015, 9, 30)
    assert as_of(D(2015, 6, 1)).planned_end == D(2015, 8, 31)
    assert (
        selectors.plan(sapporo, programme, as_of=timezone.make_aware(dt.datetime(2015, 2, 1))).rows
        == []
    )


def test_ministries_have_no_plan(programme):
    from tests.factories import MinistryFactory

    assert publishing.ensure_entries(MinistryFactory(), programme) == 0


def test_a_test_done_before_its_build_started_is_warned_per_system(alice, plan, sapporo):
    """The design's example: G テスト 完了 while G 製造 is 未着手 — on that system only."""
    test = entry(sapporo, "G", "テスト", "個人住民税")
    done = {
        "planned_start": D(2015, 4, 1),
        "planned_end": D(2015, 5, 29),
        "actual_start": D(2015, 4, 1),
        "actual_end": D(2015, 5, 29),
        "status": "done",
    }
    result = services.save_entry(alice, test.pk, done, 1, on=ON)
    warning = "前提タスク「製造（個人住民税）」が未着手なのに完了になっています。"
    assert warning in result.warnings
    rows = {
        (row.entry.task.name, row.entry.system.name if row.entry.system else ""): row
        for group in selectors.plan(sapporo, test.task.work_item.programme).groups
        for row in group.rows
    }
    assert warning in rows[("テスト", "個人住民税")].warnings
    assert not any("個人住民税" in w for w in rows[("テスト", "介護保険")].warnings)
    build = entry(sapporo, "G", "製造", "個人住民税")
    started = {"planned_start": D(2015, 4, 1), "actual_start": D(2015, 4, 1)}
    services.save_entry(alice, build.pk, {**started, "status": "in_progress"}, 1, on=ON)
    again = services.save_entry(alice, test.pk, {**done, "remarks": "再保存"}, 2, on=ON)
    assert "前提タスク「製造（個人住民税）」が完了前なのに完了になっています。" in again.warnings

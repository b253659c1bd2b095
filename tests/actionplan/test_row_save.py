"""A row edit reads and saves its own row: the same row as the plan page shows, in a number of
queries that does not depend on how many rows the plan has."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from actionplan import publishing, selectors
from actionplan.models import PlanEntry, Status
from actionplan.rows import span
from tests.actionplan.conftest import entry
from tests.actionplan.test_views import HX, add_systems, edit_data, url


def scramble(organization, seed: int) -> None:
    """Random statuses and plans on every entry, so rows carry dependency warnings of every
    kind (a test done before its build, F before G テスト on some system, 対象外 rows)."""
    pick = random.Random(seed)
    statuses = [s for s, _ in Status.choices]
    for found in PlanEntry.objects.filter(organization=organization):
        found.status = pick.choice(statuses)
        start = dt.date(2015, 4, 1) + dt.timedelta(days=pick.randrange(400))
        found.planned_start, found.planned_end = start, start + dt.timedelta(pick.randrange(300))
        if found.status == Status.NOT_APPLICABLE:
            found.not_applicable_reason = "対象外"
        found.save()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_row_is_the_plans_row_in_every_value(plan, sapporo, programme, seed):
    add_systems(sapporo, 3)
    publishing.ensure_entries(sapporo, programme)
    scramble(sapporo, seed)
    rows = selectors.plan(sapporo, programme).rows
    assert any(r.warnings for r in rows) and any(
        "前提タスク" in w for r in rows for w in r.warnings
    )
    for expected in rows:
        assert selectors.row(sapporo, programme, expected.entry) == expected


ROWS = [
    ("G", "テスト", "個人住民税"),
    ("F", "中間サーバーとの連携テスト", None),
    ("A", "住民への広報活動", None),
]


# Session, user; the organisation, the entry (with task, work item, programme, system, last
# editor) and its completion items, read once for the form, the save and the answer; the
# row: its prerequisites, the row itself (with a G row's same-system prerequisite), the other
# prerequisites summed up in one aggregate (F: B, and G テスト over every system),
# milestones; the save: savepoint, claim, update, history; delay detection judging the one
# entry (savepoint, five reads, release); release; and the saved row again for the answer
# (prerequisites, the row, the aggregate, milestones). A has no prerequisite, G no aggregate.
# Nothing reads another row whole.
@pytest.mark.parametrize(
    ("code", "task", "system", "queries"),
    [(*r, n) for r, n in zip(ROWS, (23, 25, 23), strict=True)],
)
def test_saving_a_row_costs_the_same_in_a_small_and_a_large_plan(
    client, alice, plan, sapporo, programme, django_assert_num_queries, code, task, system, queries
):
    client.force_login(alice)
    target = entry(sapporo, code, task, system)
    client.get(url("entry_edit", sapporo, target.pk), **HX)  # warm the session
    with django_assert_num_queries(queries):
        response = client.post(
            url("entry_edit", sapporo, target.pk), edit_data(target, remarks="小さい計画"), **HX
        )
    assert response.status_code == 200 and "小さい計画" in response.content.decode()
    add_systems(sapporo, 60)
    publishing.ensure_entries(sapporo, programme)
    assert PlanEntry.objects.filter(organization=sapporo).count() > 200
    target.refresh_from_db()
    with django_assert_num_queries(queries):
        response = client.post(
            url("entry_edit", sapporo, target.pk), edit_data(target, remarks="大きい計画"), **HX
        )
    assert response.status_code == 200 and "大きい計画" in response.content.decode()
    assert PlanEntry.objects.get(pk=target.pk).version == 3


# Session, user; the organisation, the entry; the row (as above); the permission check for
# the 編集 link.
@pytest.mark.parametrize(
    ("code", "task", "system", "queries"),
    [(*r, n) for r, n in zip(ROWS, (9, 10, 9), strict=True)],
)
def test_reading_a_row_costs_the_same_in_a_small_and_a_large_plan(
    client, alice, plan, sapporo, programme, django_assert_num_queries, code, task, system, queries
):
    client.force_login(alice)
    target = entry(sapporo, code, task, system)
    client.get(url("entry_row", sapporo, target.pk))  # warm the session
    with django_assert_num_queries(queries):
        assert client.get(url("entry_row", sapporo, target.pk)).status_code == 200
    add_systems(sapporo, 60)
    publishing.ensure_entries(sapporo, programme)
    with django_assert_num_queries(queries):
        assert client.get(url("entry_row", sapporo, target.pk)).status_code == 200


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        (dt.date(2015, 4, 1), dt.date(2015, 6, 30), "2015/04/01〜2015/06/30"),
        (dt.date(2015, 4, 1), None, "2015/04/01〜—"),
        (None, dt.date(2015, 6, 30), "—〜2015/06/30"),
        (None, None, ""),
    ],
)
def test_row_texts_are_what_the_date_filters_showed(start, end, shown):
    assert span(start, end) == shown


def test_row_labels_follow_the_language(plan, sapporo, programme):
    from django.utils import translation

    row = selectors.plan(sapporo, programme).rows[0]
    assert row.labels["edit"] == "編集" and row.edit_label.endswith("を編集")
    with translation.override("en"):
        assert row.labels["edit"] == "Edit" and "を編集" not in row.edit_label

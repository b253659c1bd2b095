"""A committed save always answers "saved": the database failing after the commit does not
turn it into an error, and sending the same save again is not a conflict with oneself."""

from __future__ import annotations

from django.db import OperationalError

from actionplan.models import PlanEntry
from actionplan.views import entries
from tests.actionplan.conftest import entry
from tests.actionplan.test_views import HX, edit_data, url


def test_database_lost_after_the_commit_still_answers_saved(
    client, alice, plan, sapporo, monkeypatch
):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    client.force_login(alice)
    real_row, calls = entries._row, []

    def row_then_lost(*args):
        calls.append(args)
        if len(calls) > 1:  # the read after the commit
            raise OperationalError("server closed the connection unexpectedly")
        return real_row(*args)

    monkeypatch.setattr(entries, "_row", row_then_lost)
    response = client.post(
        url("entry_edit", sapporo, target.pk), edit_data(target, remarks="確定した保存"), **HX
    )
    body = response.content.decode()
    assert response.status_code == 200 and len(calls) == 2
    assert "保存しました。" in body and "表示を最新にできませんでした" in body
    assert "確定した保存" in body  # the row shows what was saved
    saved = PlanEntry.objects.get(pk=target.pk)
    assert (saved.remarks, saved.version) == ("確定した保存", 2)


def test_the_same_save_sent_again_is_not_a_conflict(client, alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    client.force_login(alice)
    data = edit_data(target, remarks="一度だけ", planned_start="2015-04-01")
    first = client.post(url("entry_edit", sapporo, target.pk), data, **HX)
    again = client.post(url("entry_edit", sapporo, target.pk), data, **HX)  # answer was lost
    body = again.content.decode()
    assert first.status_code == again.status_code == 200
    assert "保存しました。" in body and "conflict" not in body and "<form" not in body
    assert PlanEntry.objects.get(pk=target.pk).version == 2  # saved once


def test_a_different_save_on_the_old_version_is_still_a_conflict(client, alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    client.force_login(alice)
    client.post(url("entry_edit", sapporo, target.pk), edit_data(target, remarks="一"), **HX)
    other = client.post(
        url("entry_edit", sapporo, target.pk), edit_data(target, remarks="二"), **HX
    )
    assert "<form" in other.content.decode() and "保存しました。" not in other.content.decode()
    assert PlanEntry.objects.get(pk=target.pk).remarks == "一"


def test_someone_elses_identical_save_is_still_shown_as_theirs(client, alice, carol, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    data = edit_data(target, remarks="同じ")
    client.force_login(carol)
    client.post(url("entry_edit", sapporo, target.pk), data, **HX)
    client.force_login(alice)
    body = client.post(url("entry_edit", sapporo, target.pk), data, **HX).content.decode()
    assert "札幌 キャロル" in body and "保存しました。" not in body

"""The audit trail in words people use: who did what to which organisation or object."""

from __future__ import annotations

import csv
import io

import pytest

from accounts import audit, audit_text, services
from accounts.models import AuditEvent
from tests.factories import UserFactory


def page(client, user, query: str = "") -> str:
    client.force_login(user)
    response = client.get("/manage/audit/" + query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_grant_names_the_person_the_permission_and_the_organisation(client, world):
    services.grant(world["pref_admin"], world["hakodate_staff"], "edit_plan", world["sapporo"])
    body = page(client, world["admin"])
    assert "{&#x27;" not in body and "{'" not in body  # no Python dicts
    assert "'code'" not in body and "&#x27;organization&#x27;" not in body
    assert (
        "pref@pref.hokkaido.lg.jp（pref@pref.hokkaido.lg.jp） が "
        "staff@city.hakodate.lg.jp（staff@city.hakodate.lg.jp） に 北海道 札幌市 の"
        "「計画の編集（委託先など）」の権限を付与しました"
    ) in body
    # the account still exists: a link to it
    assert f'href="/manage/accounts/{world["hakodate_staff"].pk}/"' in body


def test_a_refusal_is_a_sentence_not_view_get(client, world):
    from django.test import RequestFactory

    request = RequestFactory().get("/review/orgs/011002/")
    request.user = world["hakodate_staff"]
    audit.access_denied(request, action="view", target=world["sapporo"])
    body = page(client, world["admin"])
    assert "view GET" not in body
    assert (
        "staff@city.hakodate.lg.jp（staff@city.hakodate.lg.jp） が 北海道 札幌市 の閲覧"
        "（/review/orgs/011002/ のページの表示）を試みましたが、権限がないため拒否しました"
    ) in body


def test_a_role_change_shows_labels_and_the_changes_in_words(client, world):
    staff = world["staff"]
    before = services._snapshot(staff)
    staff.role = "account_manager"
    after = services._snapshot(staff)
    audit.record(
        AuditEvent.Kind.ROLE_CHANGED,
        actor=world["pref_admin"],
        target_user=staff,
        target=staff.email,
        before=before,
        after=after,
    )
    body = page(client, world["admin"])
    assert "の役割を「担当者」から「番号制度担当窓口」に変更しました" in body
    assert "<dt>役割</dt><dd>担当者 → 番号制度担当窓口</dd>" in body
    assert "account_manager" not in body


def test_no_link_once_the_object_is_gone(client, world):
    gone = UserFactory(email="gone@city.sapporo.lg.jp", organization=world["sapporo"])
    audit.record(
        AuditEvent.Kind.STOPPED, actor=world["manager"], target_user=gone, target=gone.email
    )
    pk = gone.pk
    gone.delete()
    body = page(client, world["admin"])
    assert "gone@city.sapporo.lg.jp のアカウントを停止しました" in body
    assert f'href="/manage/accounts/{pk}/"' not in body


def test_the_csv_keeps_its_raw_columns_and_adds_a_description(client, world):
    services.grant(world["pref_admin"], world["hakodate_staff"], "edit_plan", world["sapporo"])
    client.force_login(world["admin"])
    response = client.get("/manage/audit.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "日時", "種類", "実行者", "対象", "団体", "接続元", "変更前", "変更後", "詳細", "説明",
    ]  # fmt: skip
    grant = next(row for row in rows[1:] if row[1] == "権限の付与")
    assert grant[3] == "edit_plan 011002"  # raw, as stored
    assert grant[7] == "{'permission': 'edit_plan', 'organization': '011002'}"
    assert grant[9].endswith("の「計画の編集（委託先など）」の権限を付与しました")


def test_dates_in_changes_read_as_officials_write_them(world):
    event = AuditEvent(
        kind=AuditEvent.Kind.CONTENT,
        target="document:99 通知",
        before={"published_at": None},
        after={"published_at": "2015-09-25T01:00:00+00:00"},
        detail="公開",
    )
    [described] = audit_text.describe([event], world["admin"])
    assert described.changes[0].after == "2015/09/25 10:00"  # Asia/Tokyo
    assert described.changes[0].before == "（なし）"
    assert described.text.startswith("（システム） がコンテンツを変更しました：公開（通知")


@pytest.mark.parametrize(
    ("key", "code", "expected"),
    [("mic", "mic", ""), ("sapporo", "011002", "011002"), ("hokkaido", "010006", "010006")],
)
def test_jis_code_only_for_local_governments(world, key, code, expected):
    assert world[key].code == code
    assert world[key].jis_code == expected


def test_a_ministry_user_sees_no_slug_as_organisation_code(client, world):
    client.force_login(world["reviewer"])
    body = client.get("/").content.decode()
    assert "団体コード" not in body
    assert ">mhlw<" not in body
    client.force_login(world["staff"])
    body = client.get("/").content.decode()
    assert "<dt>団体コード</dt><dd>011002</dd>" in body


def test_audit_filters_say_what_they_expect(client, world):
    body = page(client, world["admin"])
    assert "---------" not in body
    assert '<option value="" selected>すべて</option>' in body
    assert 'type="date" name="since"' in body and 'aria-describedby="id_since-hint"' in body
    assert '<span class="help" id="id_since-hint">例: 2015/09/30</span>' in body


@pytest.mark.parametrize("typed", ["2015-09-01", "2015/09/01"])
def test_audit_date_filter_takes_the_picker_and_the_written_form(client, world, typed):
    from django.utils import timezone

    old = audit.record(AuditEvent.Kind.CHANGED, organization=world["sapporo"], target="old-one")
    AuditEvent.objects.filter(pk=old.pk).update(
        created_at=timezone.make_aware(timezone.datetime(2015, 9, 1, 12))
    )
    audit.record(AuditEvent.Kind.CHANGED, organization=world["sapporo"], target="new-one")
    body = page(client, world["admin"], f"?since={typed}&until=2015/09/30")
    assert "old-one" in body and "new-one" not in body
    assert 'value="2015-09-01"' in body and 'value="2015-09-30"' in body  # picker reads ISO


def test_in_english_the_sentence_is_english(client, world):
    from django.conf import settings

    services.grant(world["pref_admin"], world["hakodate_staff"], "edit_plan", world["sapporo"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = page(client, world["admin"])
    assert (
        "pref@pref.hokkaido.lg.jp (pref@pref.hokkaido.lg.jp) granted "
        "staff@city.hakodate.lg.jp (staff@city.hakodate.lg.jp) the permission "
        "“Plan editing (e.g. contractors)” for 北海道 札幌市"
    ) in body
    assert "権限を付与しました" not in body and "すべて" not in body


@pytest.mark.parametrize(
    "url", ["/manage/accounts/", "/manage/audit/", "/review/late/", "/documents/", "/procedures/"]
)
def test_no_filter_shows_djangos_dashes(client, world, url):
    from actionplan import seed
    from actionplan.models import Programme
    from tests.factories import mark_published

    seed.load()  # the late list needs a (published) programme
    mark_published(Programme.objects.get(name=seed.NAME))
    client.force_login(world["pref_admin"])
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "---------" not in body
    assert ">すべて</option>" in body


def test_review_forms_ask_for_a_choice_in_words(db):
    from actionplan.models import Task, WorkItem
    from review.forms import ApprovalForm, FollowUpForm

    approval = ApprovalForm(tasks=Task.objects.none()).as_div()
    follow_up = FollowUpForm()
    follow_up.fields["work_item"].queryset = WorkItem.objects.none()
    rendered = approval + follow_up.as_div()
    assert "---------" not in rendered
    assert '<option value="" selected>（選択してください）</option>' in rendered
    assert '<option value="" selected>（指定なし）</option>' in rendered


def test_document_snapshots_read_in_words_not_ids(world):
    event = AuditEvent(
        kind=AuditEvent.Kind.CONTENT,
        target="document:99 通知",
        after={"status": "published", "publisher_id": world["sapporo"].pk, "audience": "everyone"},
        detail="作成",
    )
    [described] = audit_text.describe([event], world["admin"])
    shown = {change.label: change.after for change in described.changes}
    assert shown["状態"] == "公開中"
    assert shown["発信元"] == "北海道 札幌市"
    assert "everyone" not in shown.values() and str(world["sapporo"].pk) not in shown.values()

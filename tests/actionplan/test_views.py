"""The plan page and its htmx endpoints: reach, editing in place, query counts, as-of."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from actionplan import publishing, services
from actionplan.models import Advice, ImportJob, OrganizationSystem, PlanEntry
from tests.actionplan.conftest import entry
from tests.factories import ImportJobFactory, OrganizationSystemFactory

D = dt.date


def url(name: str, org, *args) -> str:
    return reverse(f"actionplan:{name}", args=[org.code, *args])


@pytest.fixture
def job(plan, sapporo, programme, alice):
    return ImportJobFactory(
        organization=sapporo,
        programme=programme,
        user=alice,
        marked=b"PK",
        state=ImportJob.State.FAILED,
    )


def every_view(sapporo, target, job):
    return [
        ("get", url("plan", sapporo)),
        ("get", url("plan_xlsx", sapporo)),
        ("get", url("plan_upload", sapporo)),
        ("post", url("plan_upload", sapporo)),
        ("get", url("entry_row", sapporo, target.pk)),
        ("get", url("entry_edit", sapporo, target.pk)),
        ("post", url("entry_edit", sapporo, target.pk)),
        ("get", url("entry_history", sapporo, target.pk)),
        ("post", url("advice_add", sapporo)),
        ("post", url("system_add", sapporo)),
        ("get", url("import_job", sapporo, job.pk)),
        ("get", url("import_marked", sapporo, job.pk)),
    ]


def test_outsider_gets_404_everywhere(client, bob, plan, sapporo, job):
    """函館市's staff cannot open, edit or download anything of 札幌市's plan."""
    target = entry(sapporo, "B", "住民票記載事項の追加")
    client.force_login(bob)
    for method, address in every_view(sapporo, target, job):
        response = getattr(client, method)(address, {"body": "x", "system": "x"})
        assert response.status_code == 404, (method, address, response.status_code)
    assert PlanEntry.objects.get(pk=target.pk).version == 1
    assert not Advice.objects.exists()


def test_entry_of_another_organisation_is_404_under_own_code(client, bob, plan, sapporo, hakodate):
    """Bob may see his own plan, but not reach 札幌's entry through his own URL."""
    target = entry(sapporo, "B", "住民票記載事項の追加")
    client.force_login(bob)
    for name in ("entry_row", "entry_edit", "entry_history"):
        assert client.get(url(name, hakodate, target.pk)).status_code == 404


def test_anonymous_is_sent_to_log_in(client, plan, sapporo):
    response = client.get(url("plan", sapporo))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_plan_page_shows_rows_milestones_and_advice(
    client, alice, plan, sapporo, programme, prefecture_admin
):
    services.add_advice(prefecture_admin, sapporo, programme, "Bの計画を入力してください。")
    client.force_login(alice)
    page = client.get(url("plan", sapporo)).content.decode()
    assert "B. 既存住基システム改修" in page
    assert "住民票記載事項の追加" in page and "2015/09/30" in page
    assert "当該作業については、市区町村のみが対象。" in page
    assert "設計" in page and "（介護保険）" in page
    assert "Bの計画を入力してください。" in page
    # J's 施行 milestone falls on 元日: marked as a holiday.
    assert "元日" in page


def test_prefecture_admin_sees_and_advises_but_cannot_edit(client, prefecture_admin, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    client.force_login(prefecture_admin)
    page = client.get(url("plan", sapporo))
    assert (
        page.status_code == 200
        and url("entry_edit", sapporo, target.pk) not in page.content.decode()
    )
    assert client.get(url("entry_edit", sapporo, target.pk)).status_code == 404
    client.post(url("advice_add", sapporo), {"body": "G のテスト計画を確認してください。"})
    assert Advice.objects.get().author == prefecture_admin


def test_staff_cannot_advise(client, alice, plan, sapporo):
    client.force_login(alice)
    assert client.post(url("advice_add", sapporo), {"body": "x"}).status_code == 404


def edit_data(target, **values):
    data = {
        "planned_start": "",
        "planned_end": "",
        "actual_start": "",
        "actual_end": "",
        "status": "not_started",
        "not_applicable_reason": "",
        "progress": "0",
        "remarks": "",
        "version": str(target.version),
    }
    data.update(values)
    return data


HX = {"HTTP_HX_REQUEST": "true"}


def test_htmx_edit_returns_the_row(client, alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    client.force_login(alice)
    form = client.get(url("entry_edit", sapporo, target.pk), **HX).content.decode()
    assert f'id="entry-{target.pk}"' in form and "<form" in form and "base.html" not in form
    response = client.post(
        url("entry_edit", sapporo, target.pk),
        edit_data(target, planned_start="2015-04-01", planned_end="2015/10/15"),
        **HX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and "保存しました。" in body
    assert "2015/04/01〜2015/10/15" in body
    assert "マイルストーン（2015/09/30）より15日遅れています" in body  # a warning, still saved
    assert "<html" not in body
    assert PlanEntry.objects.get(pk=target.pk).version == 2


def test_errors_are_shown_next_to_the_field(client, alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    client.force_login(alice)
    response = client.post(
        url("entry_edit", sapporo, target.pk),
        edit_data(target, planned_start="2015-05-01", planned_end="2015-04-01"),
        **HX,
    )
    body = response.content.decode()
    assert (
        'class="field-error" id="id_planned_end-error">計画終了日は計画開始日（2015/05/01）' in body
    )
    response = client.post(
        url("entry_edit", sapporo, target.pk), edit_data(target, progress="150"), **HX
    )
    assert "進捗率は0から100の整数で入力してください。" in response.content.decode()
    assert PlanEntry.objects.get(pk=target.pk).version == 1


def test_conflict_message_shows_the_other_change(client, alice, carol, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    services.save_entry(carol, target.pk, {"remarks": "キャロルの備考"}, 1, on=D(2015, 8, 1))
    client.force_login(alice)
    response = client.post(
        url("entry_edit", sapporo, target.pk), edit_data(target, remarks="アリスの備考"), **HX
    )
    body = response.content.decode()
    assert "札幌 キャロルさん" in body and "キャロルの備考" in body
    assert "あなたが入力した内容（保存されていません）" in body and "アリスの備考" in body
    assert PlanEntry.objects.get(pk=target.pk).remarks == "キャロルの備考"


def test_history_fragment(client, alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    services.save_entry(alice, target.pk, {"planned_end": D(2015, 9, 1)}, 1, on=D(2015, 8, 1))
    client.force_login(alice)
    body = client.get(url("entry_history", sapporo, target.pk)).content.decode()
    assert "札幌 アリス" in body and "計画終了" in body and "2015/09/01" in body


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2015-13-01", "日付は 2015/07/09 の形で指定してください。"),
        ("yesterday", "日付は 2015/07/09 の形で指定してください。"),
        ("2015/13/01", "日付は 2015/07/09 の形で指定してください。"),
        ("2999-01-01", "2999/01/01 は未来の日付です。"),
        ("2014-12-31", "2014/12/31 はプログラムの開始日（2015/01/01）より前です。"),
    ],
)
def test_bad_as_of_is_explained(client, alice, plan, sapporo, value, message):
    client.force_login(alice)
    body = client.get(url("plan", sapporo), {"as_of": value}).content.decode()
    assert message in body


def test_as_of_takes_the_date_as_people_write_it(client, alice, plan, sapporo):
    from actionplan.views.common import parse_as_of

    assert parse_as_of("2015/07/09")[0] == parse_as_of("2015-07-09")[0]
    assert parse_as_of("2015/07/09")[0].date().isoformat() == "2015-07-09"


def test_as_of_page_is_read_only(client, alice, plan, sapporo):
    client.force_login(alice)
    body = client.get(url("plan", sapporo), {"as_of": "2020-01-01"}).content.decode()
    assert "時点の計画を表示しています" in body and "/edit/" not in body


def test_every_history_link_of_an_as_of_page_resolves(client, alice, plan, sapporo):
    """Rows of an as-of page are history records: their links must name the entry, not
    the history row."""
    import re

    client.force_login(alice)
    edited = entry(sapporo, "A", "住民への広報活動")
    services.save_entry(alice, edited.pk, {"remarks": "履歴を作る"}, edited.version)
    today = timezone.localdate().isoformat()
    body = client.get(url("plan", sapporo), {"as_of": today}).content.decode()
    assert "時点の計画を表示しています" in body
    links = set(re.findall(r'href="(/orgs/011002/plan/entries/\d+/history/)\?as_of=', body))
    entries = set(PlanEntry.objects.filter(organization=sapporo).values_list("pk", flat=True))
    assert {int(link.split("/")[-3]) for link in links} == entries
    for link in sorted(links)[:3]:
        assert client.get(link, {"as_of": today}).status_code == 200


def add_systems(organization, count: int) -> None:
    OrganizationSystemFactory.create_batch(count, organization=organization)


def test_plan_query_count_does_not_grow_with_entries(
    client, alice, plan, sapporo, programme, django_assert_num_queries
):
    """10 entries (and one target system's G rows) vs 200 entries: the same number of
    queries. (The page reads the shown systems' same-system prerequisites and a page of the
    systems box only when there are such rows and systems: both plans have them.)"""
    client.force_login(alice)
    kept = sapporo.systems.get(system__name="個人住民税").system
    PlanEntry.objects.filter(organization=sapporo).exclude(system=kept).exclude(
        pk__in=PlanEntry.objects.filter(organization=sapporo).order_by("pk").values("pk")[:10]
    ).delete()
    OrganizationSystem.objects.filter(organization=sapporo).exclude(system=kept).delete()
    small_count = PlanEntry.objects.filter(organization=sapporo, system=None).count()
    client.get(url("plan", sapporo))  # warm the session, ensure_entries
    assert PlanEntry.objects.filter(organization=sapporo).count() >= 10
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url("plan", sapporo))
    add_systems(sapporo, 62)
    publishing.ensure_entries(sapporo, programme)
    assert PlanEntry.objects.filter(organization=sapporo).count() >= 200
    with django_assert_num_queries(len(small)):
        response = client.get(url("plan", sapporo))
    assert response.status_code == 200 and small_count <= 10

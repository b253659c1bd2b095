"""Programmes side by side: each programme's pages, report and CSV stand alone; the default
is the newest open programme; closed ones stay readable by URL; a bad ``?programme=`` is 404;
the switcher and every link name the programme."""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from actionplan import programmes as programmes_module
from actionplan import publishing
from actionplan import services as plan_services
from actionplan.models import Advice, Programme
from review.models import FollowUp
from tests.factories import FollowUpFactory, UserFactory

D = dt.date
SECOND = "自治体システム標準化"


def _travel(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 3), tick=False)


def _definition(name: str, starts_on: dt.date, ends_on: dt.date) -> dict:
    return {
        "name": name,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "plan_deadline": D(2016, 6, 30),
        "work_items": [
            {
                "code": "S",
                "name": "標準準拠システムへの移行",
                "bureaus": ["mic-jumin"],
                "tasks": [
                    {"name": "移行計画の策定", "milestones": [{"due_on": D(2016, 9, 30)}]},
                    {"name": "移行作業", "milestones": [{"due_on": D(2016, 12, 28)}]},
                ],
            }
        ],
    }


@pytest.fixture
def second(judged):
    """A second published programme (newer than the seed, ending a year before it), with
    its own work item, published on 2015/06/01: the three organisations get its entries."""
    programme = plan_services.load_programme(_definition(SECOND, D(2016, 1, 1), D(2016, 12, 31)))
    with _travel(D(2015, 6, 1)):
        publishing.publish(programme)
    return programme


@pytest.fixture
def sysadmin(db):
    return UserFactory(email="admin@example.go.jp", role=Role.SYSADMIN)


def page(client, user, url, day=D(2015, 6, 1), **params):
    with _travel(day):
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        return client.get(url, params)


# --- The choice itself (pure, on unsaved programmes) --------------------------------------------


def _unsaved(pk, *, published=True, active=True, ends_on=D(2017, 12, 31)):
    published_at = dt.datetime(2015, 1, 1, tzinfo=dt.UTC) if published else None
    return Programme(
        pk=pk,
        name=f"p{pk}",
        starts_on=D(2015, 1, 1),
        ends_on=ends_on,
        plan_deadline=D(2015, 4, 30),
        is_active=active,
        published_at=published_at,
    )


@pytest.mark.parametrize(
    "programmes, today, expected",
    [
        ([], D(2015, 6, 1), None),
        ([_unsaved(3), _unsaved(2)], D(2015, 6, 1), 3),  # newest first: the newest open
        ([_unsaved(3, active=False), _unsaved(2)], D(2015, 6, 1), 2),  # closed by the admin
        ([_unsaved(3, ends_on=D(2015, 5, 31)), _unsaved(2)], D(2015, 6, 1), 2),  # period over
        ([_unsaved(3, published=False), _unsaved(2)], D(2015, 6, 1), 2),  # a draft: never
        ([_unsaved(3, published=False), _unsaved(2)], D(2030, 1, 1), 2),  # all over: published
        ([_unsaved(3, published=False)], D(2015, 6, 1), 3),  # the administrator's drafts alone
    ],
)
def test_the_default_programme(programmes, today, expected):
    found = programmes_module.default(programmes, today)
    assert (found.pk if found else None) == expected


@pytest.mark.parametrize("value", ["2", "x", "", "２", "-2", "2.0", " 2", "999"])
def test_a_named_programme_is_only_its_exact_id(value):
    found = programmes_module.named([_unsaved(2)], value)
    assert (found is not None) == (value == "2")


# --- Each programme stands alone ---------------------------------------------------------------


def test_each_programmes_pages_show_only_their_own_data(client, second, judged, coordinator):
    seed_page = page(client, coordinator, reverse("review:index"), programme=judged.pk)
    second_page = page(client, coordinator, reverse("review:index"), programme=second.pk)
    assert seed_page.context["programme"] == judged
    assert "B. 既存住基システム改修" in seed_page.content.decode()
    assert "標準準拠システムへの移行" not in seed_page.content.decode()
    assert "標準準拠システムへの移行" in second_page.content.decode()
    assert "B. 既存住基システム改修" not in second_page.content.decode()
    # The seed's delays are the seed's: the second programme (nothing due yet) has none.
    late = reverse("review:late")
    assert page(client, coordinator, late, programme=judged.pk).context["page"].paginator.count
    assert not page(client, coordinator, late, programme=second.pk).context["page"].paginator.count


def test_the_plan_page_shows_the_programme_asked_for(client, second, judged, alice):
    url = reverse("actionplan:plan", args=["011002"])
    seed_plan = page(client, alice, url, programme=judged.pk).content.decode()
    second_plan = page(client, alice, url, programme=second.pk).content.decode()
    assert "住民への広報活動" in seed_plan and "移行計画の策定" not in seed_plan
    assert "移行計画の策定" in second_plan and "住民への広報活動" not in second_plan


def test_report_and_csv_name_their_programme(client, second, judged, coordinator):
    response = page(client, coordinator, reverse("review:report"), programme=second.pk)
    assert response.status_code == 200
    assert SECOND in unquote(response["Content-Disposition"])
    book = load_workbook(io.BytesIO(response.content))
    assert SECOND in str(book.worksheets[0]["A1"].value)
    seed_report = page(client, coordinator, reverse("review:report"), programme=judged.pk)
    assert judged.name in unquote(seed_report["Content-Disposition"])
    for url in (reverse("review:open_data"), reverse("review:late_export", args=["csv"])):
        response = page(client, coordinator, url, programme=second.pk)
        assert SECOND in unquote(response["Content-Disposition"]), url
    # The seed's late list as CSV lists the seed's delays, the second's none.
    rows = page(
        client, coordinator, reverse("review:late_export", args=["csv"]), programme=second.pk
    )
    assert len(rows.content.decode("utf-8-sig").splitlines()) == 1  # the header alone


def test_a_follow_up_and_advice_go_to_the_programme_of_the_page(
    client, second, judged, coordinator, sapporo
):
    url = reverse("review:follow_up_new", args=["011002"]) + f"?programme={second.pk}"
    with _travel(D(2015, 6, 1)):
        client.force_login(coordinator)
        client.post(url, {"cause": "budget", "actions": "予算を確保", "due_on": "2016-03-31"})
        advice = client.post(
            reverse("actionplan:advice_add", args=["011002"]) + f"?programme={second.pk}",
            {"body": "標準化の計画を早めに"},
        )
    assert FollowUp.objects.get().programme == second
    assert Advice.objects.get().programme == second
    assert f"programme={second.pk}" in advice.url
    shown = page(client, coordinator, reverse("review:organization", args=["011002"]))
    assert shown.context["programme"] == second and shown.context["follow_ups"]
    seed_side = page(
        client, coordinator, reverse("review:organization", args=["011002"]), programme=judged.pk
    )
    assert not seed_side.context["follow_ups"]


# --- The default and closed programmes ---------------------------------------------------------


def test_the_default_is_the_newest_open_programme(client, second, judged, coordinator):
    index = reverse("review:index")
    assert page(client, coordinator, index).context["programme"] == second  # both open
    # The second ended on 2016/12/31; the seed runs to 2017/12/31.
    assert page(client, coordinator, index, day=D(2017, 6, 1)).context["programme"] == judged
    Programme.objects.filter(pk=second.pk).update(is_active=False)  # closed by the admin
    assert page(client, coordinator, index).context["programme"] == judged


def test_a_closed_programme_stays_readable_by_its_url(client, second, judged, coordinator, alice):
    Programme.objects.filter(pk=second.pk).update(is_active=False)
    for name in ("review:index", "review:late", "review:not_started", "review:report"):
        response = page(client, coordinator, reverse(name), programme=second.pk)
        assert response.status_code == 200, name
    csv = page(client, coordinator, reverse("review:open_data"), programme=second.pk)
    assert csv.status_code == 200
    plan = page(client, alice, reverse("actionplan:plan", args=["011002"]), programme=second.pk)
    assert "移行計画の策定" in plan.content.decode()
    assert "（終了）" in plan.content.decode()  # marked as such in the switcher


def test_with_every_programme_over_the_newest_is_shown(client, second, judged, coordinator):
    response = page(client, coordinator, reverse("review:index"), day=D(2019, 1, 1))
    assert response.status_code == 200
    assert response.context["programme"] == second


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["999999", "abc", "", "１", "-1"])
def test_a_bad_programme_answers_404(client, second, coordinator, alice, value):
    for url in (
        reverse("review:index"),
        reverse("review:late"),
        reverse("review:not_started"),
        reverse("review:report"),
        reverse("review:open_data"),
        reverse("review:organization", args=["011002"]),
        reverse("actionplan:plan", args=["011002"]),
        reverse("actionplan:plan_xlsx", args=["011002"]),
        reverse("top"),
    ):
        assert page(client, coordinator, url, programme=value).status_code == 404, url
    plan = reverse("actionplan:plan", args=["011002"])
    assert page(client, alice, plan, programme=value).status_code == 404


def test_an_unpublished_programme_is_404_except_for_the_administrator(
    client, second, judged, coordinator, reviewer, alice, sysadmin
):
    draft = plan_services.load_programme(_definition("準備中", D(2016, 4, 1), D(2018, 3, 31)))
    publishing.ensure_entries(alice.organization, draft)  # rows exist; still unpublished
    plan = reverse("actionplan:plan", args=["011002"])
    for user, url in (
        (coordinator, reverse("review:index")),
        (reviewer, reverse("review:late")),
        (alice, plan),
        (coordinator, plan),
    ):
        assert page(client, user, url, programme=draft.pk).status_code == 404, (user, url)
        shown = page(client, user, url)
        assert shown.context["programme"] != draft
        assert "準備中" not in shown.content.decode()
    assert page(client, None, reverse("review:open_data"), programme=draft.pk).status_code == 404
    admin_page = page(client, sysadmin, reverse("review:index"), programme=draft.pk)
    assert admin_page.status_code == 200
    assert "準備中（未公開）" in admin_page.content.decode()
    # Unpublished is never the default, even for the administrator, nor with all periods over.
    assert page(client, sysadmin, reverse("review:index")).context["programme"] == second
    late = page(client, sysadmin, reverse("review:index"), day=D(2019, 1, 1))
    assert late.context["programme"] == second


# --- The switcher and the links ----------------------------------------------------------------


def test_no_switcher_with_one_programme(client, judged, coordinator, alice):
    for user, url in (
        (coordinator, reverse("review:index")),
        (alice, reverse("actionplan:plan", args=["011002"])),
        (alice, reverse("top")),
    ):
        assert 'name="programme"' not in _select(page(client, user, url).content.decode()), url


def _select(html: str) -> str:
    found = re.search(r'<form[^>]*class="programme-switch".*?</form>', html, re.S)
    return found.group(0) if found else ""


@pytest.mark.parametrize(
    "name, args",
    [
        ("review:index", []),
        ("review:late", []),
        ("review:not_started", []),
        ("review:follow_ups", []),
        ("review:checks", []),
        ("review:prefecture", ["010006"]),
        ("review:organization", ["011002"]),
        ("review:check", ["011002"]),
        ("review:follow_up_new", ["011002"]),
        ("review:approve", ["011002"]),
        ("actionplan:plan", ["011002"]),
        ("top", []),
    ],
)
def test_the_switcher_is_a_labelled_form(client, second, coordinator, name, args):
    switcher = _select(page(client, coordinator, reverse(name, args=args)).content.decode())
    assert '<label for="programme-switch">プログラム</label>' in switcher, name
    assert '<select id="programme-switch" name="programme">' in switcher
    assert f'<option value="{second.pk}" selected>{SECOND}</option>' in switcher
    assert '<button type="submit"' in switcher and "<script" not in switcher


def _links(html: str) -> list[str]:
    """Links, htmx reads and POST targets in the page's main region (not the site's nav)."""
    main = html[html.index("<main") : html.index("</main>")]
    hrefs = re.findall(r'(?:href|hx-get)="([^"#]*)', main)
    hrefs += re.findall(r'<form method="post" action="([^"#]*)', main)
    return [h.replace("&amp;", "&") for h in hrefs if h.startswith(("/review/", "/orgs/"))]


# Links bound to one object (its programme comes with it) or to no programme at all.
UNBOUND = re.compile(r"^/review/(follow-ups|reports)/\d+/|/export\.xlsx$|/plan/entries/\d+/")


@pytest.mark.parametrize(
    "name, args, params",
    [
        ("review:index", [], {}),
        ("review:late", [], {}),
        ("review:late", [], {"by": "org", "rule": "no_plan"}),
        ("review:not_started", [], {}),
        ("review:follow_ups", [], {}),
        ("review:checks", [], {}),
        ("review:prefecture", ["010006"], {}),
        ("review:organization", ["011002"], {}),
        ("review:check", ["011002"], {}),
        ("actionplan:plan", ["011002"], {}),
    ],
)
def test_every_link_carries_the_programme(
    client, second, judged, coordinator, mic, name, args, params
):
    FollowUpFactory(organization=judged_org(), programme=judged, due_on=D(2016, 1, 1))
    response = page(client, coordinator, reverse(name, args=args), programme=judged.pk, **params)
    html = response.content.decode()
    links = _links(html)
    assert links, name
    for link in links:
        if UNBOUND.search(link):
            continue
        query = parse_qs(urlsplit(link).query, keep_blank_values=True)
        assert query.get("programme") == [str(judged.pk)], (name, link)
    for form in re.findall(r'<form method="get".*?</form>', html, re.S):  # filters, as-of
        assert 'name="programme"' in form, (name, form[:80])


def judged_org():
    from orgs.models import Organization

    return Organization.objects.get(code="011002")


def test_late_list_pager_keeps_the_programme_and_filters(client, second, judged, coordinator):
    response = page(client, coordinator, reverse("review:late"), programme=judged.pk)
    assert response.context["page"].has_next()
    html = response.content.decode().replace("&amp;", "&")
    assert f"programme={judged.pk}&page=2" in html
    export = re.search(r'href="(/review/late\.csv\?[^"]*)"', html).group(1)
    assert parse_qs(urlsplit(export).query)["programme"] == [str(judged.pk)]


def test_top_names_the_programme_in_its_links(client, second, judged, alice):
    response = page(client, alice, reverse("top"), programme=judged.pk)
    html = response.content.decode()
    assert f'href="/orgs/011002/plan/?programme={judged.pk}"' in html
    assert f'href="/review/orgs/011002/?programme={judged.pk}"' in html
    assert all(f"programme={judged.pk}" in todo.url for todo in response.context["todos"])
    assert response.context["todos"]  # the seed's delays need a follow-up
    second_top = page(client, alice, reverse("top"), programme=second.pk)
    assert not second_top.context["todos"]  # nothing due in the second programme yet

"""年度 (issue 12): the late list's 「期日の年度」 filter keeps the flags whose 期日 — the date
their days late count from (計画入力期限, 計画開始, 計画終了 or the milestone) — falls in that
fiscal year (April to March); follow-ups filter by the 年度 of their 対応期限; the choices are
the programme's fiscal years; the plan page shows the 年度 of each deadline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from actionplan import rules as plan_rules
from actionplan import selectors as plan_selectors
from actionplan.models import Milestone, PlanEntry
from pmo import wareki
from review import judging, rules
from review.models import DelayFlag
from tests.factories import FollowUpFactory

D = dt.date


@pytest.fixture
def dated(judged, sapporo):
    """札幌市's entries with dates that give every rule: plans after their milestone (a fixed
    flag measured against the milestone), starts and ends overdue, finished late."""
    entries = list(PlanEntry.objects.filter(organization=sapporo).order_by("pk"))
    for number, entry in enumerate(entries):
        fields = {"planned_start": D(2015, 5, 1), "planned_end": D(2016, 5, 1 + number % 20)}
        if number % 3 == 0:  # finished, after the milestone: a fixed milestone_missed
            fields |= {"actual_start": D(2015, 5, 1), "actual_end": D(2017, 6, 1), "status": "done"}
        PlanEntry.objects.filter(pk=entry.pk).update(**fields)
    judging.entries_changed([entry.pk for entry in entries])
    return judged


def _due(flag: DelayFlag) -> dt.date:
    """The 期日 worked out in Python from the entry and its milestone (not from the SQL)."""
    if flag.since:
        return flag.since
    milestones = plan_selectors.milestone_rules(Milestone.objects.filter(task=flag.entry.task))
    org = flag.organization
    return plan_rules.choose_milestone(
        milestones[flag.entry.task_id], org.kind, org.municipality_class
    )


def test_choices_are_the_programmes_fiscal_years(client, dated, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("review:late"))
    field = response.context["filter"].form["fiscal_year"]
    # The seed programme runs 2015/01/01–2017/12/31: 平成26年度 to 平成29年度.
    assert [label for value, label in field.field.choices if value] == [
        "2014年度（平成26年度）",
        "2015年度（平成27年度）",
        "2016年度（平成28年度）",
        "2017年度（平成29年度）",
    ]
    assert "期日の年度" in response.content.decode()


def test_late_list_keeps_the_flags_due_in_that_fiscal_year(client, dated, coordinator):
    flags = list(
        DelayFlag.objects.filter(resolved_at=None).select_related("entry__task", "organization")
    )
    fixed = [flag for flag in flags if flag.since is None]
    assert {flag.rule for flag in fixed} == {rules.PLAN_AFTER_MILESTONE, rules.MILESTONE_MISSED}
    client.force_login(coordinator)
    seen = set()
    for year in (2014, 2015, 2016, 2017):
        first, last = wareki.fiscal_year_bounds(year)
        expected = {flag.pk for flag in flags if first <= _due(flag) <= last}
        response = client.get(reverse("review:late"), {"fiscal_year": year, "by": ""})
        page = response.context["page"]
        assert page.paginator.count == len(expected), year
        shown = set(
            response.context["filter"].qs.values_list("pk", flat=True)
        )  # every page, not the first 50
        assert shown == expected, year
        seen |= shown
    assert seen == {flag.pk for flag in flags}  # every flag falls in one of them
    # Grouped by organisation, the same flags.
    by_org = client.get(reverse("review:late"), {"fiscal_year": 2016, "by": "org"})
    assert by_org.status_code == 200


def test_a_fiscal_year_outside_the_programme_says_so(client, dated, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("review:late"), {"fiscal_year": "2030"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors["fiscal_year"]
    assert 'role="alert"' in response.content.decode()


def test_follow_ups_filter_by_the_fiscal_year_of_their_due_date(
    client, judged, coordinator, sapporo, hakodate
):
    def open_one(organization, due_on):
        return FollowUpFactory(organization=organization, programme=judged, due_on=due_on)

    march = open_one(sapporo, D(2016, 3, 31))  # 平成27年度
    april = open_one(hakodate, D(2016, 4, 1))  # 平成28年度
    client.force_login(coordinator)
    in_2015 = client.get(reverse("review:follow_ups"), {"fiscal_year": "2015"})
    assert [item.pk for item in in_2015.context["page"]] == [march.pk]
    assert "2015年度（平成27年度）" in in_2015.content.decode()
    in_2016 = client.get(reverse("review:follow_ups"), {"fiscal_year": "2016"})
    assert [item.pk for item in in_2016.context["page"]] == [april.pk]
    wrong = client.get(reverse("review:follow_ups"), {"fiscal_year": "1999"})
    assert {item.pk for item in wrong.context["page"]} == {march.pk, april.pk}
    assert "年度は一覧から選んでください。" in wrong.content.decode()


def test_plan_page_shows_the_fiscal_year_of_each_deadline(client, judged, alice, sapporo):
    entry = PlanEntry.objects.filter(organization=sapporo, task__name="住民への広報活動").get()
    PlanEntry.objects.filter(pk=entry.pk).update(
        planned_start=D(2015, 5, 1), planned_end=D(2016, 3, 31)
    )
    client.force_login(alice)
    page = client.get(reverse("actionplan:plan", args=[sapporo.code])).content.decode()
    assert '2015/05/01〜2016/03/31<span class="fiscal-year">（平成27年度）</span>' in page
    milestone = Milestone.objects.filter(task=entry.task).first().due_on
    label = wareki.fiscal_year_label(wareki.fiscal_year(milestone))
    assert f'<span class="fiscal-year">（{label}）</span>' in page

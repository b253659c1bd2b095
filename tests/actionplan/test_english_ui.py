"""The English UI (language cookie ``en``): plan errors and warnings, 「必須」, account state
badges, chart legends and the completion-rate formula are English, not left Japanese."""

from __future__ import annotations

import pytest
from django.conf import settings

from review import rollups
from tests.actionplan.conftest import entry
from tests.actionplan.test_views import HX, edit_data, url


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_plan_errors_are_english_and_focus_the_field_in_error(english, alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    english.force_login(alice)
    body = english.post(
        url("entry_edit", sapporo, target.pk),
        edit_data(target, planned_start="2015-05-01", planned_end="2015-04-01"),
        **HX,
    ).content.decode()
    assert "The planned end date must be on or after the planned start date (2015/05/01)." in body
    assert "計画終了日は" not in body and "入力内容を確認してください" not in body
    # focus goes to the field in error, not to the first field of the form
    assert (
        '<input type="date" name="planned_end" value="2015-04-01" aria-invalid="true" '
        'aria-describedby="id_planned_end-error" autofocus id="id_planned_end">'
    ) in body
    start = (
        '<input type="date" name="planned_start" value="2015-05-01" id="id_planned_start" '
        'aria-describedby="id_planned_start-hint">'  # no autofocus, not invalid: a date hint
    )
    assert start in body


def test_required_badge_and_completion_errors_are_english(english, alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    english.force_login(alice)
    body = english.post(
        url("entry_edit", sapporo, target.pk),
        edit_data(
            target,
            planned_start="2015-04-01",
            planned_end="2015-06-30",
            actual_start="2015-04-01",
            actual_end="2015-06-30",
            status="done",
            progress="100",
        ),
        **HX,
    ).content.decode()
    assert '<span class="badge badge--warn">Required</span>' in body
    assert "必須" not in body
    assert "To set the status to “Done”, fill in “本番環境での動作確認”." in body
    assert "完了にするには" not in body


def test_plan_warnings_are_english(english, alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    english.force_login(alice)
    body = english.post(
        url("entry_edit", sapporo, target.pk),
        edit_data(target, planned_start="2015-04-01", planned_end="2015/10/15"),
        **HX,
    ).content.decode()
    assert "The planned end is 15 days after the milestone (2015/09/30)." in body
    assert "遅れています" not in body
    page = english.get(url("plan", sapporo)).content.decode()
    assert "The planned end is 15 days after the milestone (2015/09/30)." in page


def test_account_state_badges_are_english(english, prefecture_admin, alice):
    from django.utils import timezone

    from accounts.models import User

    User.objects.filter(pk=alice.pk).update(activated_at=timezone.now())
    stopped = User.objects.create(
        email="gone@city.sapporo.lg.jp", display_name="x", organization=alice.organization
    )
    User.objects.filter(pk=stopped.pk).update(is_active=False)
    english.force_login(prefecture_admin)
    body = english.get("/manage/accounts/").content.decode()
    assert '<span class="badge badge--ok">Active</span>' in body
    assert '<span class="badge badge--muted">Suspended</span>' in body
    for japanese in ("利用中", "停止中", "発行済（未設定）", "案内の期限切れ"):
        assert japanese not in body


def test_review_legends_and_formula_are_english(english, prefecture_admin, plan):
    english.force_login(prefecture_admin)
    body = english.get("/review/").content.decode()
    assert 'data-legend-rate="Completion rate (%)"' in body
    assert 'data-legend-weighted="Effort-weighted completion rate (%)"' in body
    assert 'data-legend-count="Count"' in body
    assert "Completion rate = (done + not applicable) ÷ applicable plan entries" in body
    for japanese in ("完了率（%）", rollups.FORMULA, rollups.WEIGHTED_FORMULA, "工数の重み"):
        assert japanese not in body


def test_the_formula_shown_in_japanese_is_the_one_computed(client, prefecture_admin, plan):
    """The template carries the formula as translatable text: it must stay rollups' text."""
    client.force_login(prefecture_admin)
    body = client.get("/review/").content.decode()
    assert f"完了率 = {rollups.FORMULA}<br>工数加重完了率 = {rollups.WEIGHTED_FORMULA}" in body
    assert 'data-legend-rate="完了率（%）"' in body

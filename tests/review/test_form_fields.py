"""The review forms (approve, check, assignments, follow-ups) draw their fields with the one
field template (templates/includes/field.html): after a refused post the field in error is
marked aria-invalid and names its message with aria-describedby, every description it names is
on the page, required labels say 必須, and radio buttons and check boxes are a fieldset named
by its legend. static/js/form-errors.js (tests/browser/test_error_focus.py) relies on these."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse

from actionplan.models import Task
from review import workflow
from review.models import FollowUp


def control(html: str, field_id: str) -> str:
    """The opening tag of the input, select or text area ``field_id``."""
    found = re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{field_id}"[^>]*>', html)
    assert found, field_id
    return found.group(0)


def assert_described(html: str) -> None:
    """Every id an aria-describedby names is on the page."""
    for ids in re.findall(r'aria-describedby="([^"]*)"', html):
        for target in ids.split():
            assert f'id="{target}"' in html, target


def assert_in_error(html: str, field_id: str, message: str) -> None:
    tag = control(html, field_id)
    assert 'aria-invalid="true"' in tag, tag
    assert f"{field_id}_error" in re.search(r'aria-describedby="([^"]*)"', tag).group(1)
    assert re.search(rf'<div class="field-error" id="{field_id}_error"><p>{message}', html)
    assert_described(html)


def label(html: str, field_id: str) -> str:
    return re.search(rf'<label for="{field_id}">(.*?)</label>', html).group(1)


def test_the_reviews_own_field_template_is_gone():
    with pytest.raises(TemplateDoesNotExist):
        get_template("review/_field.html")


def test_follow_up_new_ties_each_error_to_its_field(client, judged, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("review:follow_up_new", args=["011002"]), {"actions": "x", "due_on": "2015-01-01"}
    )
    html = response.content.decode()
    assert_in_error(html, "id_cause", "原因を選んでください。")
    assert_in_error(html, "id_due_on", "対応期限は今日以降の日付にしてください。")
    assert 'aria-invalid="true"' not in control(html, "id_actions")
    assert '<span class="required">必須</span>' in label(html, "id_cause")
    assert 'class="field field--error"' in html
    assert not FollowUp.objects.exists()


def test_approve_ties_the_missing_reason_to_its_field(client, judged, jumin_reviewer):
    task = Task.objects.get(name="住民への広報活動")
    client.force_login(jumin_reviewer)
    response = client.post(
        reverse("review:approve", args=["011002"]),
        {"task": task.pk, "approved_until": "2030-03-31", "note": "x"},
    )
    html = response.content.decode()
    assert_in_error(html, "id_reason", "理由を選んでください。")
    assert "必須" not in label(html, "id_note")  # 補足 is optional


def test_check_route_draws_the_ministries_as_a_fieldset(client, judged, coordinator):
    client.force_login(coordinator)
    url = reverse("review:check", args=["011002"])
    response = client.post(url, {"action": "route", "comment": "確認済み"})
    html = response.content.decode()
    assert '<fieldset aria-describedby="id_ministries_error">' in html
    assert re.search(r'<legend class="label">確認を依頼する府省庁 <span class="required">', html)
    assert 'id="id_ministries_error"><p>確認を依頼する府省庁を選んでください。' in html
    assert '<label for="id_ministries"' not in html  # the legend names the group
    assert_described(html)


def test_check_verdict_draws_its_radios_as_a_fieldset_and_ties_the_comment(
    client, judged, coordinator, reviewer, mhlw, sapporo
):
    workflow.route_check(coordinator, sapporo, judged, [mhlw])
    client.force_login(reviewer)
    url = reverse("review:check", args=["011002"])
    html = client.post(url, {"action": "verdict", "comment": ""}).content.decode()
    assert '<fieldset aria-describedby="id_verdict_error">' in html
    assert html.count('<label class="choice"><input type="radio" name="verdict"') == 2
    assert_described(html)
    html = client.post(url, {"action": "verdict", "verdict": "needs_fix"}).content.decode()
    assert_in_error(html, "id_comment", "要修正のときは、団体に伝える修正内容を入力してください。")


def test_assignments_tie_the_missing_reviewer_to_its_field(client, plans, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("review:assignments"), {"organizations": "011002"})
    html = response.content.decode()
    assert_in_error(html, "id_reviewer", "確認担当者のアカウントを選んでください。")
    assert 'id="id_organizations_helptext"' in html


def test_follow_up_note_ties_the_empty_body_to_its_field(client, judged, coordinator, sapporo):
    item = workflow.open_follow_up(
        coordinator, sapporo, judged, cause="budget", actions="予算確保", due_on=dt.date(2030, 1, 1)
    )
    client.force_login(coordinator)
    response = client.post(reverse("review:follow_up", args=[item.pk]), {"body": ""})
    html = response.content.decode()
    assert_in_error(html, "id_body", "内容を入力してください。")
    # The reviewing side may close it: a check box inside its label.
    assert re.search(r'<label class="checkbox"><input type="checkbox" name="close"', html)

"""No select offers Django's 「---------」: the empty choice says what it means."""

from __future__ import annotations

import pytest
from django import forms


@pytest.mark.django_db
def test_the_faq_forms_say_what_an_empty_choice_means():
    from faq.forms import AssignForm, FAQForm, InquiryForm, PublishForm

    rendered = "".join(
        str(form) for form in (InquiryForm(), PublishForm(), FAQForm(), AssignForm())
    )
    assert "---------" not in rendered
    assert '<option value="" selected>（指定なし）</option>' in str(InquiryForm()["work_item"])
    assert '<option value="" selected>（選択してください）</option>' in str(
        AssignForm()["assignee"]
    )


def test_any_other_dashes_choice_reads_choose():
    class Plain(forms.Form):
        kind = forms.ChoiceField(choices=[("", "---------"), ("a", "A")])

    html = str(Plain()["kind"])
    assert "---------" not in html
    assert "（選択してください）" in html

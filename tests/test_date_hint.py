"""Every date picker says how a date is written (例: 2015/09/30), tied to it for screen readers."""

from __future__ import annotations

from django import forms

from actionplan.forms import DateInput, EntryForm


def test_a_date_field_carries_the_hint():
    html = str(EntryForm()["planned_start"])
    assert 'aria-describedby="id_planned_start-hint"' in html
    assert '<span class="help date-hint" id="id_planned_start-hint">例: 2015/09/30</span>' in html


def test_a_field_with_its_own_description_keeps_it():
    class Filter(forms.Form):
        since = forms.DateField(widget=DateInput(attrs={"aria-describedby": "since-help"}))

    html = str(Filter()["since"])
    assert 'aria-describedby="since-help"' in html
    assert "date-hint" not in html


def test_a_text_box_for_dates_is_left_alone():
    class Plain(forms.Form):
        day = forms.DateField()  # Django's DateInput: a text box

    assert "date-hint" not in str(Plain()["day"])

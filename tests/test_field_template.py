"""The one field template (templates/includes/field.html): every description an input names
with aria-describedby is on the page, errors are tied to their input, 必須 is shown."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template.loader import render_to_string


class Sample(forms.Form):
    title = forms.CharField(label="件名", help_text="100文字以内")
    note = forms.CharField(label="備考", required=False)
    audience = forms.ChoiceField(
        label="公開先", choices=[("all", "全員"), ("some", "一部")], widget=forms.RadioSelect
    )
    tags = forms.MultipleChoiceField(
        label="タグ",
        choices=[("a", "A"), ("b", "B")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="いくつでも",
    )
    agree = forms.BooleanField(label="同意する", help_text="規約を読みました")


def render(form: forms.Form, name: str) -> str:
    return render_to_string("includes/field.html", {"field": form[name]})


def described(html: str) -> list[str]:
    return [i for ids in re.findall(r'aria-describedby="([^"]*)"', html) for i in ids.split()]


@pytest.mark.parametrize("name", ["title", "note", "audience", "tags", "agree"])
@pytest.mark.parametrize("data", [None, {"note": "x"}], ids=["unbound", "with-errors"])
def test_every_description_named_is_on_the_page(name, data):
    html = render(Sample(data), name)
    for target in described(html):
        assert f'id="{target}"' in html, (target, html)


def test_an_error_is_tied_to_its_input_and_marks_it_invalid():
    html = render(Sample({"note": "x"}), "title")
    assert 'aria-describedby="id_title_helptext id_title_error"' in html
    assert 'aria-invalid="true"' in html
    assert '<div class="field-error" id="id_title_error"><p>' in html
    assert 'class="field field--error"' in html


def test_required_fields_say_so_and_optional_ones_do_not():
    form = Sample()
    assert '件名 <span class="required">必須</span></label>' in render(form, "title")
    assert "必須" not in render(form, "note")


def test_choices_are_a_fieldset_named_by_its_legend():
    html = render(Sample({"note": "x"}), "audience")
    assert '<fieldset aria-describedby="id_audience_error">' in html
    assert '<legend class="label">公開先 <span class="required">必須</span></legend>' in html
    assert html.count('<label class="choice">') == 2
    assert "<label for" not in html


def test_a_check_box_sits_inside_its_label():
    html = render(Sample(), "agree")
    assert re.search(
        r'<label class="checkbox"><input type="checkbox" name="agree"[^>]*> 同意する', html
    )
    assert 'aria-describedby="id_agree_helptext"' in html

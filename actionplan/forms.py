"""Forms of the plan page. Types and formats are checked here; the plan's rules in
:mod:`actionplan.rules` (through :func:`actionplan.services.save_entry`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from actionplan import rules
from actionplan.models import CompletionItem, Status
from pmo import questions
from pmo.questions import AnswerError, Kind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DATE_INPUTS = ["%Y-%m-%d", "%Y/%m/%d", "%Y/%m/%e"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def format_value(self, value: Any) -> str | None:
        # A typed 2015/09/30 sent back as it came would leave the picker blank (it reads ISO).
        if isinstance(value, str):
            for pattern in DATE_INPUTS:
                try:
                    return datetime.strptime(value.strip(), pattern).date().isoformat()
                except ValueError:
                    continue
        return super().format_value(value)


def _date(label: StrOrPromise) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_INPUTS,
        widget=DateInput(),
        error_messages={"invalid": _("日付を 2015/07/09 の形で入力してください。")},
    )


class EntryForm(forms.Form):
    planned_start = _date(_("計画開始"))
    planned_end = _date(_("計画終了"))
    actual_start = _date(_("実績開始"))
    actual_end = _date(_("実績終了"))
    status = forms.ChoiceField(label=_("状況"), choices=Status.choices)
    not_applicable_reason = forms.CharField(
        label=_("対象外の理由"), required=False, max_length=2000
    )
    progress = forms.IntegerField(
        label=_("進捗率（%）"),
        min_value=0,
        max_value=100,
        error_messages={
            "invalid": _("進捗率は0から100の整数で入力してください。"),
            "min_value": _("進捗率は0から100の整数で入力してください。"),
            "max_value": _("進捗率は0から100の整数で入力してください。"),
            "required": _("進捗率を入力してください。"),
        },
    )
    remarks = forms.CharField(
        label=_("備考"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, questions: Sequence[CompletionItem] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        # The completion fields a 完了 needs (marked 必須 beside their label).
        self.required_items = {f"c_{item.pk}" for item in self.questions if item.required}
        for item in self.questions:
            self.fields[f"c_{item.pk}"] = _question_field(item)
        # Keyboard users land in the first field when the row turns into a form.
        self.fields["planned_start"].widget.attrs["autofocus"] = True
        for name, bound in self.fields.items():
            if isinstance(bound.widget, forms.Textarea) or name == "not_applicable_reason":
                bound.widget.attrs.setdefault("maxlength", 2000)

    def flag_errors(self) -> None:
        """Tie each message to its field for screen readers (aria-invalid, aria-describedby),
        and send focus to the first field in error (in the order shown) instead of the first
        field: that is where the person has to act (static/js/form-errors.js announces it)."""
        in_error = [
            name
            for name, field in self.fields.items()
            if name in self.errors and not field.widget.is_hidden
        ]
        for name in in_error:
            self.fields[name].widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": f"id_{name}-error"}
            )
        if in_error:
            self.fields["planned_start"].widget.attrs.pop("autofocus", None)
            self.fields[in_error[0]].widget.attrs["autofocus"] = True

    def errors_in_fields(self) -> list[tuple[forms.BoundField, str]]:
        """Each visible field's messages in the order shown, for the summary above the form."""
        return [
            (self[name], str(error))
            for name, field in self.fields.items()
            if not field.widget.is_hidden
            for error in self.errors.get(name, [])
        ]

    def completion_fields(self) -> list[forms.BoundField]:
        return [self[f"c_{item.pk}"] for item in self.questions]

    def entry_data(self) -> dict[str, Any]:
        """The cleaned values in the shape :func:`services.save_entry` takes."""
        data = {name: self.cleaned_data[name] for name in self.base_fields if name != "version"}
        completion = {}
        for item in self.questions:
            value = self.cleaned_data.get(f"c_{item.pk}")
            if not questions.is_empty(value):
                completion[str(item.pk)] = value
        data["completion"] = completion
        return data


class AnswerField(forms.Field):
    """A completion item's answer, read by :func:`actionplan.rules.stored_answer` (the shared
    question kinds): the cleaned value is the stored one. Whether it may be left empty is the
    rules' business (only a completed task needs its required items)."""

    def __init__(self, question: rules.Question, **kwargs: Any):
        self.question = question
        super().__init__(label=question.label, required=False, **kwargs)

    def clean(self, value: Any) -> Any:
        try:
            return rules.stored_answer(self.question, value)
        except AnswerError as error:
            raise forms.ValidationError(str(error)) from None


def _question_field(item: CompletionItem) -> forms.Field:
    question = item.question()
    spec = question.spec
    widget = _widget(spec)
    field = AnswerField(question, widget=widget)
    if spec.unit:
        field.label = _("%(label)s（%(unit)s）") % {"label": item.label, "unit": spec.unit}
    return field


def _widget(spec: questions.Spec) -> forms.Widget:
    if spec.kind == Kind.DATE:
        return DateInput()
    if spec.kind == Kind.NUMBER:
        return forms.TextInput(attrs={"inputmode": "decimal"})
    if spec.kind == Kind.YES_NO:
        yes_no = [("", "—"), (rules.YES, _("はい")), (rules.NO, _("いいえ"))]
        return forms.Select(choices=yes_no)
    if spec.kind == Kind.SINGLE:
        return forms.Select(choices=[("", "—"), *[(c, c) for c in spec.choices]])
    if spec.kind == Kind.MULTIPLE:
        return forms.CheckboxSelectMultiple(choices=[(c, c) for c in spec.choices])
    if spec.kind == Kind.SHORT_TEXT:
        return forms.TextInput(attrs={"maxlength": questions.SHORT_TEXT_MAX})
    return forms.Textarea(attrs={"rows": 2, "maxlength": questions.LONG_TEXT_MAX})


def initial_for(entry: Any, questions: list[CompletionItem]) -> dict[str, Any]:
    initial = {name: getattr(entry, name) for name in EntryForm.base_fields}
    for item in questions:
        initial[f"c_{item.pk}"] = (entry.completion or {}).get(str(item.pk), "")
    return initial


class AdviceForm(forms.Form):
    body = forms.CharField(
        label=_("助言"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("助言の内容を入力してください。")},
    )


class SystemForm(forms.Form):
    system = forms.CharField(
        label=_("対象システム"),
        max_length=100,
        help_text=_("一覧から選ぶか、独自のシステム名を入力してください。"),
        error_messages={"required": _("システム名を入力してください。")},
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("計画のExcelファイル（.xlsx）"),
        error_messages={"required": _("ファイルを選んでください。")},
    )

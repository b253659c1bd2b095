"""Forms of the survey desk: the survey, a question, and the answer form built from the
questions. Messages are Japanese and sit next to their field."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from documents.forms import clean_audience
from documents.models import Document, Status, audience_class_choices
from pmo import questions as kinds
from pmo.form_fields import model_choice
from surveys import rules
from surveys.models import Question, Survey

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
# The columns of a table question as typed: 見出し|種類|選択肢、選択肢 — the names of kinds
# people type besides the kinds' labels, the kind of a line without one, and the separator.
OLD_KIND_NAMES = {"記述": kinds.Kind.SHORT_TEXT, "はい/いいえ": kinds.Kind.YES_NO}
DEFAULT_KIND_NAME = "記述"
CHOICE_SEPARATOR = "、"


class SurveyForm(forms.ModelForm):
    organization_codes = forms.CharField(
        label=_("照会先の団体コード"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "照会先が「指定した団体」のとき、団体コードを改行またはカンマで区切って入力します。"
        ),
    )
    audience_class_list = forms.MultipleChoiceField(
        label=_("照会先の区分"),
        required=False,
        choices=audience_class_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("照会先が「指定した区分の団体」のときに選びます。"),
    )
    document_ids = forms.ModelMultipleChoiceField(
        label=_("参考資料"),
        required=False,
        queryset=Document.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("ドキュメントに公開中の資料から選びます。"),
    )

    # Who is asked, then how (経由), then when: the codes and classes sit under 照会先, whose
    # choice they complete, not after the dates.
    field_order = [
        "title",
        "purpose",
        "audience",
        "organization_codes",
        "audience_class_list",
        "via_prefectures",
        "opens_on",
        "closes_on",
        "document_ids",
    ]

    class Meta:
        model = Survey
        fields = ["title", "purpose", "audience", "opens_on", "closes_on", "via_prefectures"]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "opens_on": DATE_INPUT,
            "closes_on": DATE_INPUT,
        }
        field_classes = {"opens_on": forms.DateField, "closes_on": forms.DateField}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("opens_on", "closes_on"):
            cast(forms.DateField, self.fields[name]).input_formats = DATE_FORMATS
        model_choice(self, "document_ids").queryset = Document.objects.filter(
            status=Status.PUBLISHED, hidden_reason=""
        ).order_by("-published_at")[:200]
        if self.instance.pk:
            self.fields["organization_codes"].initial = "\n".join(
                self.instance.organizations.values_list("code", flat=True)
            )
            self.fields["audience_class_list"].initial = [
                code for code in self.instance.audience_classes.split(",") if code
            ]
            self.fields["document_ids"].initial = list(
                self.instance.documents.values_list("pk", flat=True)
            )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        clean_audience(self, data)
        if messages := rules.schedule_errors(data.get("opens_on"), data.get("closes_on")):
            self.add_error("closes_on", messages)
        return data

    def survey_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return fields | {"audience_classes": self.cleaned_data["audience_classes"]}


class QuestionForm(forms.ModelForm):
    # The fields of one kind of question, by the kinds they apply to (the page shows them only
    # while such a kind is chosen: surveys/static/surveys/question_form.js).
    KIND_FIELDS = {
        "choices": (kinds.Kind.SINGLE, kinds.Kind.MULTIPLE),
        "unit": (kinds.Kind.NUMBER,),
        "min_value": (kinds.Kind.NUMBER,),
        "max_value": (kinds.Kind.NUMBER,),
        "columns_text": (kinds.Kind.TABLE,),
    }

    columns_text = forms.CharField(
        label=_("表の列"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "表の質問のとき、1行に1列ずつ「列名|種類|選択肢（、区切り）」で入力します。"
            "種類: 記述・数値・日付・はい／いいえ・単一選択・複数選択。例: システム名|記述"
        ),
    )

    class Meta:
        model = Question
        fields = [
            "text",
            "kind",
            "required",
            "help_text",
            "choices",
            "unit",
            "min_value",
            "max_value",
            "shown_if",
            "shown_value",
        ]
        widgets = {
            "help_text": forms.Textarea(attrs={"rows": 2}),
            "choices": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, survey: Survey, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        earlier = survey.questions.exclude(kind=kinds.Kind.TABLE)
        if self.instance.pk:
            earlier = earlier.exclude(pk=self.instance.pk).filter(order__lte=self.instance.order)
        model_choice(self, "shown_if").queryset = earlier
        self.fields["shown_if"].label = _("この質問を表示する条件（前の質問）")
        self.fields["shown_value"].help_text = _(
            "前の質問の回答がこの値のときだけ表示します（例: はい、選択肢の文言）。"
        )
        if self.instance.pk and self.instance.columns:
            labels = dict(kinds.Kind.choices)
            self.fields["columns_text"].initial = "\n".join(
                "|".join(
                    [
                        column.get("label", ""),
                        str(labels.get(column.get("kind"), "")),
                        CHOICE_SEPARATOR.join(column.get("choices") or []),
                    ]
                ).rstrip("|")
                for column in self.instance.columns
            )

    def fields_with_kinds(self) -> list[tuple]:
        """Each bound field with the kinds it applies to ("" for every kind), for the page."""
        return [
            (field, " ".join(str(kind) for kind in self.KIND_FIELDS.get(field.name, ())))
            for field in self
        ]

    def clean_columns_text(self) -> list[dict]:
        by_label = {str(label): value for value, label in kinds.Kind.choices}
        by_label |= OLD_KIND_NAMES
        columns = []
        for number, line in enumerate(self.cleaned_data["columns_text"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            label = parts[0]
            kind = parts[1] if len(parts) > 1 else DEFAULT_KIND_NAME
            if kind not in by_label or by_label[kind] == kinds.Kind.TABLE:
                raise forms.ValidationError(
                    _("%(number)s行目: 列の種類「%(kind)s」は使えません。")
                    % {"number": number, "kind": kind}
                )
            choices = kinds.parse_choices(
                (parts[2] if len(parts) > 2 else "").replace(CHOICE_SEPARATOR, "\n")
            )
            columns.append({"label": label, "kind": by_label[kind], "choices": list(choices)})
        return columns

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("kind") == kinds.Kind.TABLE and not data.get("columns_text"):
            self.add_error("columns_text", _("表の列を1つ以上定義してください。"))
        low, high = data.get("min_value"), data.get("max_value")
        if low is not None and high is not None and low > high:
            self.add_error("max_value", _("最小値は最大値以下にしてください。"))
        kind = data.get("kind")
        if kind in kinds.CHOICE_KINDS and not kinds.parse_choices(data.get("choices", "")):
            self.add_error("choices", _("選択肢を1つ以上、1行に1つずつ入力してください。"))
        if data.get("shown_if") and not (data.get("shown_value") or "").strip():
            self.add_error("shown_value", _("条件となる回答を入力してください。"))
        return data

    def question_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        fields["columns"] = self.cleaned_data.get("columns_text") or []
        if fields["kind"] != kinds.Kind.TABLE:
            fields["columns"] = []
        return fields


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("差戻しの理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("記入したExcelファイル"))
    submit = forms.BooleanField(
        label=_("取り込んだ回答をそのまま提出する"),
        required=False,
        help_text=_("チェックしないときは一時保存になります。"),
    )


class BatchUploadForm(forms.Form):
    file = forms.FileField(label=_("記入したExcelファイル（管内すべての団体）"))

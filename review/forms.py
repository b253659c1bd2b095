"""Forms of the review pages (types and formats here; the rules in :mod:`review.workflow`)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from actionplan.forms import DATE_INPUTS, DateInput
from actionplan.models import TargetSystem, Task, WorkItem
from orgs.models import MunicipalityClass, Organization
from pmo import as_of
from pmo.form_fields import choice, model_choice
from review.models import FollowUp, MinistryReview, Reason

DATE_ERROR = _("日付を 2015/07/09 の形で入力してください。")


def _date(label, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_INPUTS,
        widget=DateInput(),
        error_messages={"invalid": DATE_ERROR, "required": _("日付を入力してください。")},
    )


class ApprovalForm(forms.Form):
    task = forms.ModelChoiceField(
        label=_("タスク"),
        queryset=Task.objects.none(),
        empty_label=_("（選択してください）"),
        error_messages={"required": _("タスクを選んでください。")},
    )
    approved_until = _date(_("承認する期日"))
    reason = forms.ChoiceField(
        label=_("理由"),
        choices=[("", _("（選択してください）")), *Reason.choices],
        error_messages={"required": _("理由を選んでください。")},
    )
    system = forms.ModelChoiceField(
        label=_("対象システム"),
        queryset=TargetSystem.objects.none(),
        required=False,
        empty_label=_("（タスクのすべての対象システム）"),
        help_text=_(
            "対象システムごとのタスク（G）では、1つのシステムだけを承認できます。"
            "空欄のときはタスクのすべての対象システムが対象です。"
        ),
    )
    note = forms.CharField(label=_("補足"), required=False, max_length=2000, widget=forms.Textarea)

    field_order = ["task", "system", "approved_until", "reason", "note"]

    def __init__(self, *args, tasks=None, systems=None, **kwargs):
        super().__init__(*args, **kwargs)
        model_choice(self, "task").queryset = tasks
        if systems is None:  # no per-system task among the choices: no systems box
            del self.fields["system"]
        else:
            model_choice(self, "system").queryset = systems


class FollowUpForm(forms.Form):
    work_item = forms.ModelChoiceField(
        label=_("作業項目"),
        queryset=WorkItem.objects.none(),
        required=False,
        empty_label=_("（指定なし）"),
    )
    cause = forms.ChoiceField(
        label=_("原因"),
        choices=[("", _("（選択してください）")), *FollowUp.Cause.choices],
        error_messages={"required": _("原因を選んでください。")},
    )
    actions = forms.CharField(
        label=_("対応策"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("対応策を入力してください。")},
    )
    due_on = _date(_("対応期限"))

    def __init__(self, *args, work_items=None, require_work_item: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        model_choice(self, "work_item").queryset = work_items
        self.fields["work_item"].required = require_work_item
        self.fields["work_item"].error_messages["required"] = _("作業項目を選んでください。")

    def clean_due_on(self) -> dt.date:
        day = self.cleaned_data["due_on"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("対応期限は今日以降の日付にしてください。"))
        return day


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("内容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("内容を入力してください。")},
    )
    close = forms.BooleanField(label=_("このフォローアップを完了にする"), required=False)


class RouteForm(forms.Form):
    ministries = forms.ModelMultipleChoiceField(
        label=_("確認を依頼する府省庁"),
        queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("確認を依頼する府省庁を選んでください。")},
    )
    comment = forms.CharField(
        label=_("総括のコメント"), required=False, max_length=4000, widget=forms.Textarea
    )

    def __init__(self, *args, ministries=None, **kwargs):
        super().__init__(*args, **kwargs)
        model_choice(self, "ministries").queryset = ministries


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("計画の妥当性"),
        choices=[
            (MinistryReview.Verdict.APPROPRIATE, _("適切")),
            (MinistryReview.Verdict.NEEDS_FIX, _("要修正")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("適切か要修正かを選んでください。")},
    )
    comment = forms.CharField(
        label=_("コメント（団体に表示されます）"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def parse_as_of(value: str | None, programme=None) -> tuple[dt.date | None, str]:
    """``?as_of=YYYY-MM-DD`` for the report: today (none given), a past day of the programme,
    or a message."""
    if not value:
        return timezone.localdate(), ""
    day, error = as_of.parse_day(value, starts_on=programme.starts_on if programme else None)
    if day is None:
        return None, gettext("基準日を確認してください。") + error
    return day, ""


# --- Who hasn't started? (its own block) -------------------------------------------------------


class NotBegunForm(forms.Form):
    """The filters of /review/not-started/: what to ask, prefecture, class, work item."""

    state = forms.ChoiceField(
        label=_("対象"),
        choices=[
            ("not_entered", _("計画を入力していない団体")),
            ("not_started", _("着手していない団体（実績なし）")),
        ],
        required=False,
    )
    prefecture = forms.ChoiceField(label=_("都道府県"), required=False)
    municipality_class = forms.ChoiceField(label=_("区分"), required=False)
    work_item = forms.ChoiceField(label=_("作業項目"), required=False)

    def __init__(self, *args, prefectures, work_items, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("すべて"))]
        choice(self, "prefecture").choices = everything + [(p.code, p.name) for p in prefectures]
        choice(self, "municipality_class").choices = everything + list(MunicipalityClass.choices)
        choice(self, "work_item").choices = everything + [(str(w.pk), str(w)) for w in work_items]


class AssignForm(forms.Form):
    """Assign a reviewer to local governments (codes or names, or a prefecture's list)."""

    reviewer = forms.IntegerField(
        label=_("確認担当者（府省庁）"),
        widget=forms.Select,
        error_messages={
            "required": _("確認担当者のアカウントを選んでください。"),
            "invalid": _("確認担当者のアカウントを選んでください。"),
        },
    )
    organizations = forms.CharField(
        label=_("担当する団体"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "JIS コード（例: 011002）または団体名（例: 札幌市、北海道 札幌市）を1行に1つ、"
            "またはカンマ区切りで入力してください。"
        ),
    )
    prefecture = forms.ModelChoiceField(
        label=_("都道府県の市区町村をまとめて担当"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("（選ばない）"),
        to_field_name="code",
    )

    def __init__(self, *args, reviewers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].widget.choices = [
            ("", _("（選択してください）")),
            *(
                (
                    user.pk,
                    gettext("%(name)s（%(email)s）— %(organization)s")
                    % {
                        "name": user.display_name,
                        "email": user.email,
                        "organization": user.organization,
                    },
                )
                for user in reviewers
            ),
        ]
        model_choice(self, "prefecture").queryset = Organization.objects.filter(
            kind="prefecture"
        ).order_by("code")

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import permissions, rules, services
from accounts.models import NotificationMode, User
from accounts.roles import Role
from orgs.models import Organization
from pmo.form_fields import choice, model_choice

CONFIRM_LABEL = _("団体のメールドメイン以外のアドレスであることを確認しました")
CONFIRM_HELP = _(
    "団体のドメイン以外のアドレス、または団体のドメインが未登録でフリーメール（gmail.com、"
    "docomo.ne.jp など）のアドレスは、本人のものに間違いないと確かめてからチェックしてください。"
    "確認したことは監査ログに残ります。"
)


def _confirm_field() -> forms.BooleanField:
    return forms.BooleanField(label=CONFIRM_LABEL, help_text=CONFIRM_HELP, required=False)


def clean_new_address(email: str, *, exclude: User | None = None) -> str:
    """One spelling per address, and no address another account has (in any case)."""
    email = User.objects.normalize_email(email)
    if services.email_taken(email, exclude=exclude):
        raise forms.ValidationError(_("このメールアドレスのアカウントは既にあります。"))
    return email


def check_domain(
    form: IssueForm | EmailChangeForm, email: str | None, organization, field: str = "email"
) -> None:
    """The mail-domain check of issuance: an address outside the organisation's domains, or at
    a free mail service when it has none on record, needs the confirmation box ticked."""
    form.outside_domain = False
    if not (
        organization and email and rules.needs_domain_confirmation(email, organization.domains)
    ):
        return
    form.outside_domain = True
    if form.cleaned_data.get("confirm_outside_domain"):
        return
    if organization.domains:
        message = _("%(domains)s 以外のアドレスです。正しければ確認欄にチェックしてください。") % {
            "domains": _("、").join(organization.domains)
        }
    else:
        message = _(
            "%(domain)s はフリーメールのドメインで、この団体のメールドメインは未登録です。"
            "本人のアドレスに間違いなければ確認欄にチェックしてください"
            "（一括発行のシートでは「ドメイン外の確認」列に「はい」）。"
        ) % {"domain": rules.email_domain(email)}
    form.add_error(field, message)


class IssueForm(forms.Form):
    """One new account. Used by the issuance page and, row by row, by the bulk sheet."""

    organization = forms.ModelChoiceField(
        label=_("団体"),
        queryset=Organization.objects.none(),
        error_messages={"invalid_choice": _("この団体のアカウントは発行できません。")},
    )
    display_name = forms.CharField(label=_("氏名"), max_length=100)
    email = forms.EmailField(label=_("メールアドレス"), max_length=254)
    department = forms.CharField(label=_("所属部署"), max_length=200, required=False)
    phone = forms.CharField(label=_("電話番号"), max_length=32, required=False)
    role = forms.ChoiceField(label=_("役割"), choices=Role.choices)
    confirm_outside_domain = _confirm_field()

    FIELDS = (
        "organization",
        "display_name",
        "email",
        "department",
        "phone",
        "role",
        "confirm_outside_domain",
    )

    def __init__(self, *args, issuer: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.issuer = issuer
        model_choice(self, "organization").queryset = (
            permissions.organizations(issuer, permissions.MANAGE_ACCOUNTS)
            .select_related("prefecture", "parent")
            .order_by("code")
        )
        choice(self, "role").choices = [
            (r.value, r.label) for r in rules.assignable_roles(issuer.role)
        ]
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.outside_domain = False

    def clean_email(self) -> str:
        return clean_new_address(self.cleaned_data["email"])

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        organization, role, email = data.get("organization"), data.get("role"), data.get("email")
        if (
            organization
            and role
            and role not in rules.assignable_roles(self.issuer.role, organization.kind)
        ):
            self.add_error("role", _("この団体にはこの役割を設定できません。"))
        check_domain(self, email, organization)
        return data


class EmailChangeForm(forms.Form):
    """An issuer changes an account's login address (it takes effect once confirmed)."""

    email = forms.EmailField(label=_("新しいメールアドレス"), max_length=254)
    confirm_outside_domain = _confirm_field()

    FIELDS = ("email", "confirm_outside_domain")

    def __init__(self, *args, target: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.target = target
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.outside_domain = False

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if email == self.target.email:
            raise forms.ValidationError(_("現在と同じアドレスです。"))
        return clean_new_address(email, exclude=self.target)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        check_domain(self, data.get("email"), self.target.organization)
        return data


class MailDomainsForm(forms.Form):
    """An organisation's mail domains, one a line (lg.jp / go.jp style; no free mail)."""

    mail_domains = forms.CharField(
        label=_("メールドメイン"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        help_text=_(
            "1行に1つ（例: city.sapporo.lg.jp）。サブドメインのアドレスも含みます。"
            "空にすると、フリーメールのアドレスだけ発行時に確認が必要になります。"
        ),
    )

    def clean_mail_domains(self) -> list[str]:
        domains: list[str] = []
        problems = []
        for line in self.cleaned_data["mail_domains"].splitlines():
            domain = line.strip().lstrip("@").strip().lower().rstrip(".")
            if not domain or domain in domains:
                continue
            if problem := rules.domain_problem(domain):
                problems.append(problem)
            domains.append(domain)
        if problems:
            raise forms.ValidationError(problems)
        return domains


class NotificationForm(forms.Form):
    """「通知の受け取り方」 on the user's own settings page."""

    notification_mode = forms.ChoiceField(
        label=_("通知の受け取り方"),
        choices=NotificationMode.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "フォローアップ・計画の確認結果・助言・期日延長の承認・督促などのお知らせを、"
            "1日1通のまとめで受け取るか、その都度すぐに受け取るかを選びます。"
        ),
        error_messages={"required": _("通知の受け取り方を選んでください。")},
    )

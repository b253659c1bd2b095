from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import permissions, rules
from accounts.models import User
from accounts.roles import Role
from orgs.models import Organization


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
    confirm_outside_domain = forms.BooleanField(
        label=_("団体のメールドメイン以外のアドレスであることを確認しました"), required=False
    )

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
        self.fields["organization"].queryset = (
            permissions.organizations(issuer, permissions.MANAGE_ACCOUNTS)
            .select_related("prefecture", "parent")
            .order_by("code")
        )
        self.fields["role"].choices = [
            (r.value, r.label) for r in rules.assignable_roles(issuer.role)
        ]
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.outside_domain = False

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("このメールアドレスのアカウントは既にあります。"))
        return email

    def clean(self) -> dict:
        data = super().clean()
        organization, role, email = data.get("organization"), data.get("role"), data.get("email")
        if (
            organization
            and role
            and role not in rules.assignable_roles(self.issuer.role, organization.kind)
        ):
            self.add_error("role", _("この団体にはこの役割を設定できません。"))
        if organization and email and not rules.domain_matches(email, organization.domains):
            self.outside_domain = True
            if not data.get("confirm_outside_domain"):
                self.add_error(
                    "email",
                    _("%(domains)s 以外のアドレスです。正しければ確認欄にチェックしてください。")
                    % {"domains": "、".join(organization.domains)},
                )
        return data

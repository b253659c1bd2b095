"""Filters of the late list (django-filter): prefecture, class, work item, rule, days late,
approved or not, follow-up state, the 年度 of the flag's 期日; and the sort order.

The choices come through the one door (:mod:`accounts.permissions`) for the request's user:
a prefecture admin is offered its own prefecture, a reviewer the work items of its bureau."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.permissions import VIEW
from orgs.models import MunicipalityClass, Organization, OrganizationKind
from pmo import wareki
from review import selectors
from review.models import FollowUp, Rule

SORTS = {
    # Orders by segments the per-organisation rollup counts (review.by_organization pages
    # them): organisation, work item × organisation, rule × organisation.
    "org": ("organization__code", "work_item__order", "rule"),
    "prefecture": ("organization__prefecture__code", "organization__code", "rule"),
    "work_item": ("work_item__order", "work_item_id", "organization__code", "rule"),
    "rule": ("rule", "organization__code"),
    # The flag's copy of its organisation's code: these three are index orders, each page
    # read off them by review.index_orders.
    "days": ("-days", "organization_code", "pk"),
    "-days": ("days", "organization_code", "pk"),
    "first_seen": ("first_seen", "organization_code", "pk"),
}
NO_FOLLOW_UP = "none"
ALL = _("すべて")  # instead of Django's 「---------」


class LateFilter(django_filters.FilterSet):
    prefecture = django_filters.ModelChoiceFilter(
        label=_("都道府県"),
        queryset=Organization.objects.none(),
        method="filter_prefecture",
        empty_label=ALL,
    )
    municipality_class = django_filters.ChoiceFilter(
        label=_("区分"),
        field_name="organization__municipality_class",
        choices=MunicipalityClass.choices,
        empty_label=ALL,
    )
    work_item = django_filters.ModelChoiceFilter(
        label=_("作業項目"), queryset=None, empty_label=ALL
    )
    rule = django_filters.ChoiceFilter(label=_("遅延の種類"), choices=Rule.choices, empty_label=ALL)
    days = django_filters.NumberFilter(
        label=_("遅延日数（以上）"), field_name="days", lookup_expr="gte", min_value=0
    )
    approved = django_filters.ChoiceFilter(
        label=_("承認"),
        choices=[("no", _("説明のない遅延")), ("yes", _("承認済みの遅延"))],
        method="filter_approved",
        empty_label=ALL,
    )
    significant = django_filters.ChoiceFilter(
        label=_("要フォローアップ"),
        choices=[("yes", _("要フォローアップのみ"))],
        method="filter_significant",
        empty_label=_("すべて"),
    )
    follow_up = django_filters.ChoiceFilter(
        label=_("フォローアップ"),
        choices=[(NO_FOLLOW_UP, _("なし")), *FollowUp.State.choices],
        method="filter_follow_up",
        empty_label=ALL,
    )
    fiscal_year = django_filters.ChoiceFilter(
        label=_("期日の年度"),
        choices=[],  # the programme's fiscal years, set in __init__
        method="filter_fiscal_year",
        empty_label=ALL,
    )
    sort = django_filters.ChoiceFilter(
        label=_("並び順"),
        choices=[
            ("org", _("団体コード順")),
            ("prefecture", _("都道府県順")),
            ("work_item", _("作業項目順")),
            ("rule", _("遅延の種類順")),
            ("days", _("遅延日数の多い順")),
            ("-days", _("遅延日数の少ない順")),
            ("first_seen", _("検出日順")),
        ],
        method="sort_by",
        empty_label=_("既定（団体コード順）"),
    )

    def __init__(self, *args, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        prefectures = Organization.objects.filter(kind=OrganizationKind.PREFECTURE)
        self.filters["prefecture"].queryset = permissions.visible(user, prefectures, VIEW).order_by(
            "code"
        )
        self.filters["work_item"].queryset = permissions.work_items(user, VIEW, programme)
        self.filters["work_item"].field.label_from_instance = str
        if programme is not None:
            self.filters["fiscal_year"].extra["choices"] = [
                (str(year), label) for year, label in selectors.fiscal_years(programme)
            ]

    def filter_prefecture(self, queryset, name, value):
        return queryset.filter(prefecture=value)  # copied on the flag: one index range

    def filter_significant(self, queryset, name, value):
        return queryset.needing_follow_up() if value == "yes" else queryset

    def filter_approved(self, queryset, name, value):
        return queryset.filter(approved=value == "yes")

    def filter_follow_up(self, queryset, name, value):
        if value == NO_FOLLOW_UP:
            return queryset.exclude(
                Exists(FollowUp.objects.filter(organization=OuterRef("organization")))
            )
        return queryset.filter(follow_up=value)

    def filter_fiscal_year(self, queryset, name, value):
        """Flags whose 期日 (:func:`review.selectors.flag_due_on`) falls in that 年度."""
        first, last = wareki.fiscal_year_bounds(int(value))
        return queryset.alias(due_on=selectors.flag_due_on()).filter(
            due_on__gte=first, due_on__lte=last
        )

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["org"]))

    @property
    def qs(self):
        queryset = super().qs
        if not self.form.cleaned_data.get("sort"):
            queryset = queryset.order_by(*SORTS["org"])
        return queryset

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountState, AuditEvent, Invitation, User
from accounts.roles import Role
from actionplan.forms import DATE_INPUTS, DateInput

ALL = _("すべて")  # instead of Django's 「---------」


def state_q(state: str) -> Q:
    """The accounts in ``state`` as a filter (the same rules as ``User.state``)."""
    live_link = Exists(
        Invitation.objects.filter(
            user=OuterRef("pk"), used_at__isnull=True, expires_at__gt=timezone.now()
        )
    )
    pending = Q(is_active=True, activated_at__isnull=True)
    filters: dict[str, Q] = {
        AccountState.STOPPED: Q(is_active=False),
        AccountState.ACTIVE: Q(is_active=True, activated_at__isnull=False),
        AccountState.ISSUED: pending & Q(live_link),
        AccountState.EXPIRED: pending & ~Q(live_link),
    }
    return filters[state]


class AccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("氏名・メール"), method="search")
    organization = django_filters.CharFilter(
        label=_("団体（名称・コード）"), method="by_organization"
    )
    role = django_filters.ChoiceFilter(label=_("役割"), choices=Role.choices, empty_label=ALL)
    state = django_filters.ChoiceFilter(
        label=_("状態"), choices=AccountState.choices, method="by_state", empty_label=ALL
    )

    class Meta:
        model = User
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(display_name__icontains=value) | Q(email__icontains=value))

    def by_organization(self, queryset, name, value):
        return queryset.filter(Q(organization__name__icontains=value) | Q(organization__code=value))

    def by_state(self, queryset, name, value):
        return queryset.filter(state_q(value))


class AuditFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("種類"), choices=AuditEvent.Kind.choices, empty_label=ALL
    )
    actor = django_filters.CharFilter(
        label=_("実行者（メール）"), field_name="actor_email", lookup_expr="icontains"
    )
    target = django_filters.CharFilter(
        label=_("対象"), field_name="target", lookup_expr="icontains"
    )
    organization = django_filters.CharFilter(label=_("団体コード"), method="by_organization")
    # A date picker; a browser without one shows a text box that takes 2015/09/30 as well.
    # Dates as a range on created_at (from the day's first moment in Tokyo), which the index
    # on created_at serves; ``created_at__date`` computes a date for every row first.
    since = django_filters.DateFilter(
        label=_("開始日"),
        method="from_day",
        input_formats=DATE_INPUTS,
        widget=DateInput(attrs={"aria-describedby": "id_since-hint"}),
        help_text=_("例: 2015/09/30"),
    )
    until = django_filters.DateFilter(
        label=_("終了日"),
        method="to_day",
        input_formats=DATE_INPUTS,
        widget=DateInput(attrs={"aria-describedby": "id_until-hint"}),
        help_text=_("例: 2015/09/30"),
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def by_organization(self, queryset, name, value):
        # The organisation's id first (one row by its unique code), so the database walks the
        # (organization, created_at, id) index of that one organisation, not a join.
        from orgs.models import Organization

        found = Organization.objects.filter(code=value.strip()).values("pk")[:1]
        return queryset.filter(organization_id=Subquery(found))

    def from_day(self, queryset, name, value):
        return queryset.filter(created_at__gte=_start_of(value))

    def to_day(self, queryset, name, value):
        return queryset.filter(created_at__lt=_start_of(value + dt.timedelta(days=1)))


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

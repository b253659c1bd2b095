from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountState, AuditEvent, Invitation, User
from accounts.roles import Role


def state_q(state: str) -> Q:
    """The accounts in ``state`` as a filter (the same rules as ``User.state``)."""
    live_link = Exists(
        Invitation.objects.filter(
            user=OuterRef("pk"), used_at__isnull=True, expires_at__gt=timezone.now()
        )
    )
    pending = Q(is_active=True, activated_at__isnull=True)
    return {
        AccountState.STOPPED: Q(is_active=False),
        AccountState.ACTIVE: Q(is_active=True, activated_at__isnull=False),
        AccountState.ISSUED: pending & Q(live_link),
        AccountState.EXPIRED: pending & ~Q(live_link),
    }[state]


class AccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("氏名・メール"), method="search")
    organization = django_filters.CharFilter(
        label=_("団体（名称・コード）"), method="by_organization"
    )
    role = django_filters.ChoiceFilter(label=_("役割"), choices=Role.choices)
    state = django_filters.ChoiceFilter(
        label=_("状態"), choices=AccountState.choices, method="by_state"
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
    kind = django_filters.ChoiceFilter(label=_("種類"), choices=AuditEvent.Kind.choices)
    actor = django_filters.CharFilter(
        label=_("実行者（メール）"), field_name="actor_email", lookup_expr="icontains"
    )
    target = django_filters.CharFilter(
        label=_("対象"), field_name="target", lookup_expr="icontains"
    )
    organization = django_filters.CharFilter(label=_("団体コード"), field_name="organization__code")
    since = django_filters.DateFilter(
        label=_("開始日"), field_name="created_at", lookup_expr="date__gte"
    )
    until = django_filters.DateFilter(
        label=_("終了日"), field_name="created_at", lookup_expr="date__lte"
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

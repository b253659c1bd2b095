from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionplanConfig(AppConfig):
    name = "actionplan"
    verbose_name = _("推奨アクションプラン")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.permissions import register
        from actionplan.models import Advice, ImportJob, OrganizationSystem, PlanEntry

        # Every row that belongs to an organisation is scoped by that organisation.
        register(PlanEntry, organization="organization")
        register(PlanEntry.history.model, organization="organization")
        register(Advice, organization="organization")
        register(OrganizationSystem, organization="organization")
        register(ImportJob, organization="organization")

        from actionplan import receivers
        from orgs.models import Organization
        from orgs.signals import organizations_added

        organizations_added.connect(
            receivers.organizations_added, sender=Organization, dispatch_uid="actionplan.orgs"
        )

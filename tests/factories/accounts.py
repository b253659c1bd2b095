"""Accounts: users, their audit trail, invitations and bulk-issue jobs."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, IssueJob, User
from accounts.roles import Role
from tests.factories.orgs import MunicipalityFactory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    display_name = factory.Sequence(lambda n: f"利用者 {n}")
    organization = factory.SubFactory(MunicipalityFactory)
    role = Role.STAFF
    # A user with a password has activated the account (only activated accounts get mail).
    activated_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class InvitationFactory(factory.django.DjangoModelFactory):
    """An unused invitation of a week (accounts.services.issue writes the real ones)."""

    class Meta:
        model = Invitation

    user = factory.SubFactory(UserFactory, activated_at=None)
    token_hash = factory.Sequence(lambda n: f"{n:064d}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


class AuditEventFactory(factory.django.DjangoModelFactory):
    """A row of the audit trail as it is stored (accounts.audit.record writes the real ones)."""

    class Meta:
        model = AuditEvent

    kind = AuditEvent.Kind.CHANGED
    target = factory.Sequence(lambda n: f"user{n}@example.jp")


class IssueJobFactory(factory.django.DjangoModelFactory):
    """A queued bulk-issuance job of an account manager, with an empty sheet."""

    class Meta:
        model = IssueJob

    issuer = factory.SubFactory(UserFactory, role=Role.ACCOUNT_MANAGER)
    filename = "accounts.xlsx"
    upload = b""

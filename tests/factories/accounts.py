"""Accounts: users."""

from __future__ import annotations

import factory
from django.utils import timezone

from accounts.models import User
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

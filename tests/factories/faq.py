"""FAQ: questions and answers, and their import jobs.

``faq.services.create_faq`` (the FAQ conftest's fixture) numbers a FAQ and writes its search
columns; FAQFactory makes the bare row, numbered from ``FAQ-9000`` (the service numbers from
the highest in use, so a FAQ it makes after one of these does not clash either).
"""

from __future__ import annotations

import factory

from accounts.roles import Role
from faq.models import FAQ, FAQImportJob
from tests.factories.accounts import UserFactory
from tests.factories.orgs import MinistryFactory


class FAQFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FAQ

    number = factory.Sequence(lambda n: f"FAQ-{9000 + n}")
    question = factory.Sequence(lambda n: f"質問{n}")
    answer = "<p>回答</p>"


class FAQImportJobFactory(factory.django.DjangoModelFactory):
    """A queued FAQ import of an editor, with an empty sheet."""

    class Meta:
        model = FAQImportJob

    requester = factory.SubFactory(
        UserFactory, organization=factory.SubFactory(MinistryFactory), role=Role.EDITOR
    )
    filename = "faq.xlsx"
    upload = b""

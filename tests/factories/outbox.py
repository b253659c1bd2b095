"""The outbox: mail queued to be sent."""

from __future__ import annotations

import factory

from outbox.models import Mail


class MailFactory(factory.django.DjangoModelFactory):
    """A queued mail to one address (outbox.services.enqueue writes the real ones)."""

    class Meta:
        model = Mail

    kind = "test"
    to = factory.LazyFunction(lambda: ["a@city.sapporo.lg.jp"])
    subject = "件名"
    body = "本文"

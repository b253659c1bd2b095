"""Mail backends for the outbox tests: a relay that refuses, and one that is unreachable."""

from __future__ import annotations

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    """Every message is refused, as by a relay that is up but rejecting mail for a while."""

    def send_messages(self, email_messages) -> int:
        raise smtplib.SMTPDataError(451, "refused for now")


class UnreachableBackend(BaseEmailBackend):
    """The relay cannot be reached at all: opening the connection fails."""

    def open(self) -> bool:
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, email_messages) -> int:
        self.open()
        return 0

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FaqConfig(AppConfig):
    name = "faq"
    verbose_name = _("FAQ・問い合わせ")

    def ready(self) -> None:
        from faq import scopes  # noqa: F401 - registers the permission scopes

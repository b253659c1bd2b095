from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("確認・フォローアップ")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import pre_delete

        from actionplan.models import Advice, PlanEntry
        from actionplan.signals import advice_added, entry_saved

        # tasks: its Celery tasks registered in every process, web included, since the
        # digests are handed to theirs by name (review.notifications.send_soon).
        from review import scopes, signals, tasks  # noqa: F401

        scopes.register_all()
        entry_saved.connect(signals.entries_saved, sender=PlanEntry, dispatch_uid="review.judge")
        advice_added.connect(signals.advice_added, sender=Advice, dispatch_uid="review.advice")
        pre_delete.connect(signals.entry_deleting, sender=PlanEntry, dispatch_uid="review.del")

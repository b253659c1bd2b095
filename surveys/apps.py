from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("照会・調査")

    def ready(self) -> None:
        from surveys import scopes

        scopes.register_all()

from django.apps import AppConfig


class PmoConfig(AppConfig):
    name = "pmo"
    verbose_name = "Digital PMO"

    def ready(self) -> None:
        from pmo import lookups  # noqa: F401 - registers ``__any``

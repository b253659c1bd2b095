from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("アカウント")

    def ready(self) -> None:
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from accounts import signals

        # Replace Django's stamp with ours, which keeps the login before this one.
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(signals.record_login, dispatch_uid="accounts_record_login")
        user_login_failed.connect(
            signals.record_login_failure, dispatch_uid="accounts_login_failed"
        )

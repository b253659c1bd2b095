from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("アカウント")

    def ready(self) -> None:
        from allauth.account.signals import password_reset
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from accounts import permissions, signals
        from accounts.models import AuditEvent, User

        # Replace Django's stamp with ours, which keeps the login before this one.
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(signals.record_login, dispatch_uid="accounts_record_login")
        user_login_failed.connect(
            signals.record_login_failure, dispatch_uid="accounts_login_failed"
        )
        password_reset.connect(
            signals.activate_on_password_reset, dispatch_uid="accounts_activate_on_reset"
        )

        permissions.register(User, organization="organization")
        permissions.register_scope(AuditEvent)(audit_scope)


def audit_scope(user, action):
    """Administrators see every event; issuers those of the organisations they issue for."""
    from django.db.models import Q

    from accounts import permissions

    # Those who manage every organisation's accounts (the system administrator).
    if permissions.organization_reach(user, permissions.MANAGE_ACCOUNTS) == permissions.Reach.ALL:
        return permissions.EVERYTHING  # not Q(), which OR-ed with x is just x
    managed = permissions.organizations(user, permissions.MANAGE_ACCOUNTS).values("pk")
    return Q(organization__in=managed)

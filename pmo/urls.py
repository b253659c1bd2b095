from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path

from accounts import own_views
from accounts.views import links as account_views
from pmo import health, views

# The admin login goes through allauth, so it shares the login rate limits and MFA.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Digital PMO"
admin.site.site_title = "Digital PMO"

urlpatterns = [
    path("", views.top, name="top"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/activate/<str:token>/", account_views.activate, name="activate"),
    # identity: the login address is issued. allauth's address pages answer 404 for everyone;
    # an issuer changes an address at /manage/accounts/<id>/email/, the new address confirms.
    re_path(
        r"^accounts/(?:email|confirm-email)/", account_views.closed, name="allauth_email_closed"
    ),
    path(
        "accounts/email-change/<str:token>/",
        account_views.confirm_email_change,
        name="email_change_confirm",
    ),
    path("settings/", own_views.own_settings, name="own_settings"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("manage/", include("accounts.urls")),
    path("", include("actionplan.urls")),
    path("", include("documents.urls")),
    path("", include("faq.urls")),
    path("", include("review.urls")),
    path("", include("surveys.urls")),
    path("admin/", admin.site.urls),
]

# Error pages (templates/400.html … 500.html) are Django's defaults; 500.html needs no database.
# allauth answers its rate limits through this one (Japanese, with when to retry).
handler429 = "pmo.views.too_many_requests"

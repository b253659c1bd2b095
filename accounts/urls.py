from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.hub, name="hub"),
    path("accounts/", views.account_list, name="manage"),
    path("accounts/new/", views.account_new, name="new"),
    path("accounts/bulk/", views.bulk_issue, name="bulk"),
    path("accounts/bulk/template.xlsx", views.bulk_template, name="bulk_template"),
    path("accounts/bulk/jobs/<int:pk>/", views.bulk_job, name="bulk_job"),
    path("accounts/bulk/jobs/<int:pk>/retry/", views.bulk_retry, name="bulk_retry"),
    path("accounts/<int:pk>/", views.account_detail, name="detail"),
    path("accounts/<int:pk>/email/", views.account_email, name="email"),
    path("accounts/<int:pk>/<slug:action>/", views.account_action, name="action"),
    path("domains/", views.domain_list, name="domains"),
    path("domains/<str:code>/", views.domain_edit, name="domain_edit"),
    path("audit/", views.audit_list, name="audit"),
    path("audit.csv", views.audit_export, name="audit_export"),
]

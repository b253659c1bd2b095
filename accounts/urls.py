from django.urls import path

from accounts.views import audit_trail, bulk_issuance, common, domains, issuance

app_name = "accounts"
urlpatterns = [
    path("", common.hub, name="hub"),
    path("accounts/", issuance.account_list, name="manage"),
    path("accounts/new/", issuance.account_new, name="new"),
    path("accounts/bulk/", bulk_issuance.bulk_issue, name="bulk"),
    path("accounts/bulk/template.xlsx", bulk_issuance.bulk_template, name="bulk_template"),
    path("accounts/bulk/jobs/<int:pk>/", bulk_issuance.bulk_job, name="bulk_job"),
    path("accounts/bulk/jobs/<int:pk>/retry/", bulk_issuance.bulk_retry, name="bulk_retry"),
    path("accounts/<int:pk>/", issuance.account_detail, name="detail"),
    path("accounts/<int:pk>/email/", issuance.account_email, name="email"),
    path("accounts/<int:pk>/<slug:action>/", issuance.account_action, name="action"),
    path("domains/", domains.domain_list, name="domains"),
    path("domains/<str:code>/", domains.domain_edit, name="domain_edit"),
    path("audit/", audit_trail.audit_list, name="audit"),
    path("audit.csv", audit_trail.audit_export, name="audit_export"),
]

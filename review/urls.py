from __future__ import annotations

from django.urls import path

from review.views import (
    approvals,
    assignments,
    checks,
    exports,
    follow_ups,
    late,
    reminders,
    reports,
    status,
)

app_name = "review"
urlpatterns = [
    path("review/", status.index, name="index"),
    path("review/late/", late.late, name="late"),
    path("review/late.<str:fmt>", late.late_export, name="late_export"),
    path("review/late-exports/<int:pk>/", exports.late_export_job, name="late_export_job"),
    path(
        "review/late-exports/<int:pk>/download/",
        exports.late_export_download,
        name="late_export_download",
    ),
    path(
        "review/late-exports/<int:pk>/retry/",
        exports.late_export_retry,
        name="late_export_retry",
    ),
    path("review/prefectures/<str:code>/", status.prefecture, name="prefecture"),
    path("review/orgs/<str:code>/", status.organization, name="organization"),
    path("review/orgs/<str:code>/follow-ups/new/", follow_ups.follow_up_new, name="follow_up_new"),
    path("review/orgs/<str:code>/approve/", approvals.approve, name="approve"),
    path(
        "review/orgs/<str:code>/approvals/<int:pk>/acknowledge/",
        approvals.approval_acknowledge,
        name="approval_acknowledge",
    ),
    path("review/orgs/<str:code>/check/", checks.check, name="check"),
    path("review/orgs/<str:code>/check/revised/", checks.check_revised, name="check_revised"),
    path("review/checks/", checks.checks, name="checks"),
    path("review/follow-ups/", follow_ups.follow_ups, name="follow_ups"),
    path("review/follow-ups/<int:pk>/", follow_ups.follow_up, name="follow_up"),
    path("review/report.xlsx", reports.report, name="report"),
    path("review/reports/<int:pk>/", reports.report_job, name="report_job"),
    path("review/reports/<int:pk>/retry/", reports.report_retry, name="report_retry"),
    path("review/national.csv", reports.open_data, name="open_data"),
    # Who hasn't started? (its own block)
    path("review/not-started/", reminders.not_started, name="not_started"),
    path("review/not-started/remind/", reminders.remind, name="remind"),
    # Assigned reviewers (担当)
    path("review/assignments/", assignments.assignment_list, name="assignments"),
    path(
        "review/assignments/<int:pk>/<str:code>/remove/",
        assignments.assignment_remove,
        name="assignment_remove",
    ),
]

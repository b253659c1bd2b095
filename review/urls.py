from __future__ import annotations

from django.urls import path

from review import assignment_views, export_views, views

app_name = "review"
urlpatterns = [
    path("review/", views.index, name="index"),
    path("review/late/", views.late, name="late"),
    path("review/late.<str:fmt>", views.late_export, name="late_export"),
    path("review/late-exports/<int:pk>/", export_views.late_export_job, name="late_export_job"),
    path(
        "review/late-exports/<int:pk>/download/",
        export_views.late_export_download,
        name="late_export_download",
    ),
    path(
        "review/late-exports/<int:pk>/retry/",
        export_views.late_export_retry,
        name="late_export_retry",
    ),
    path("review/prefectures/<str:code>/", views.prefecture, name="prefecture"),
    path("review/orgs/<str:code>/", views.organization, name="organization"),
    path("review/orgs/<str:code>/follow-ups/new/", views.follow_up_new, name="follow_up_new"),
    path("review/orgs/<str:code>/approve/", views.approve, name="approve"),
    path(
        "review/orgs/<str:code>/approvals/<int:pk>/acknowledge/",
        views.approval_acknowledge,
        name="approval_acknowledge",
    ),
    path("review/orgs/<str:code>/check/", views.check, name="check"),
    path("review/orgs/<str:code>/check/revised/", views.check_revised, name="check_revised"),
    path("review/checks/", views.checks, name="checks"),
    path("review/follow-ups/", views.follow_ups, name="follow_ups"),
    path("review/follow-ups/<int:pk>/", views.follow_up, name="follow_up"),
    path("review/report.xlsx", views.report, name="report"),
    path("review/reports/<int:pk>/", views.report_job, name="report_job"),
    path("review/reports/<int:pk>/retry/", views.report_retry, name="report_retry"),
    path("review/national.csv", views.open_data, name="open_data"),
    # Who hasn't started? (its own block)
    path("review/not-started/", views.not_started, name="not_started"),
    path("review/not-started/remind/", views.remind, name="remind"),
    # Assigned reviewers (担当)
    path("review/assignments/", assignment_views.assignment_list, name="assignments"),
    path(
        "review/assignments/<int:pk>/<str:code>/remove/",
        assignment_views.assignment_remove,
        name="assignment_remove",
    ),
]

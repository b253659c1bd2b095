from __future__ import annotations

from django.urls import path

from actionplan import export_views, views

app_name = "actionplan"
urlpatterns = [
    path("orgs/<str:code>/plan/", views.plan, name="plan"),
    path("orgs/<str:code>/plan.xlsx", views.plan_xlsx, name="plan_xlsx"),
    path("orgs/<str:code>/export.xlsx", export_views.own_data, name="own_data"),
    path("orgs/<str:code>/plan/upload/", views.plan_upload, name="plan_upload"),
    path("orgs/<str:code>/plan/imports/<int:pk>/", views.import_job, name="import_job"),
    path("orgs/<str:code>/plan/imports/<int:pk>/retry/", views.import_retry, name="import_retry"),
    path(
        "orgs/<str:code>/plan/imports/<int:pk>/errors.xlsx",
        views.import_marked,
        name="import_marked",
    ),
    path("orgs/<str:code>/plan/entries/<int:pk>/", views.entry_row, name="entry_row"),
    path("orgs/<str:code>/plan/entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path(
        "orgs/<str:code>/plan/entries/<int:pk>/history/",
        views.entry_history,
        name="entry_history",
    ),
    path("orgs/<str:code>/plan/advice/", views.advice_add, name="advice_add"),
    path(
        "orgs/<str:code>/plan/advice/<int:pk>/acknowledge/",
        views.advice_acknowledge,
        name="advice_acknowledge",
    ),
    path("orgs/<str:code>/plan/systems/", views.system_add, name="system_add"),
    path(
        "orgs/<str:code>/plan/systems/<int:pk>/rename/", views.system_rename, name="system_rename"
    ),
    path(
        "orgs/<str:code>/plan/systems/<int:pk>/retire/", views.system_retire, name="system_retire"
    ),
]

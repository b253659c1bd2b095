from __future__ import annotations

from django.urls import path

from actionplan import export_views
from actionplan.views import advice, entries, plan, target_systems, workbook

app_name = "actionplan"
urlpatterns = [
    path("orgs/<str:code>/plan/", plan.plan, name="plan"),
    path("orgs/<str:code>/plan.xlsx", workbook.plan_xlsx, name="plan_xlsx"),
    path("orgs/<str:code>/export.xlsx", export_views.own_data, name="own_data"),
    path("orgs/<str:code>/plan/upload/", workbook.plan_upload, name="plan_upload"),
    path("orgs/<str:code>/plan/imports/<int:pk>/", workbook.import_job, name="import_job"),
    path(
        "orgs/<str:code>/plan/imports/<int:pk>/retry/", workbook.import_retry, name="import_retry"
    ),
    path(
        "orgs/<str:code>/plan/imports/<int:pk>/errors.xlsx",
        workbook.import_marked,
        name="import_marked",
    ),
    path("orgs/<str:code>/plan/entries/<int:pk>/", entries.entry_row, name="entry_row"),
    path("orgs/<str:code>/plan/entries/<int:pk>/edit/", entries.entry_edit, name="entry_edit"),
    path(
        "orgs/<str:code>/plan/entries/<int:pk>/history/",
        entries.entry_history,
        name="entry_history",
    ),
    path("orgs/<str:code>/plan/advice/", advice.advice_add, name="advice_add"),
    path(
        "orgs/<str:code>/plan/advice/<int:pk>/acknowledge/",
        advice.advice_acknowledge,
        name="advice_acknowledge",
    ),
    path("orgs/<str:code>/plan/systems/", target_systems.system_add, name="system_add"),
    path(
        "orgs/<str:code>/plan/systems/<int:pk>/rename/",
        target_systems.system_rename,
        name="system_rename",
    ),
    path(
        "orgs/<str:code>/plan/systems/<int:pk>/retire/",
        target_systems.system_retire,
        name="system_retire",
    ),
]

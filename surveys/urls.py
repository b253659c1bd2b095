from django.urls import path

from surveys import answer_views, export_views, result_views, tracking_views, views

app_name = "surveys"
urlpatterns = [
    path("surveys/", views.index, name="index"),
    path("surveys/new/", views.create, name="create"),
    path("surveys/<int:pk>/", views.detail, name="detail"),
    path("surveys/<int:pk>/edit/", views.edit, name="edit"),
    path("surveys/<int:pk>/publish", views.publish, name="publish"),
    path("surveys/<int:pk>/copy", views.copy, name="copy"),
    path("surveys/<int:pk>/questions/new/", views.question_form, name="question_new"),
    path(
        "surveys/<int:pk>/questions/<int:question_id>/edit/",
        views.question_form,
        name="question_edit",
    ),
    path(
        "surveys/<int:pk>/questions/<int:question_id>/delete",
        views.question_delete,
        name="question_delete",
    ),
    path("surveys/<int:pk>/answers/<str:code>/", answer_views.answer, name="answer"),
    path(
        "surveys/<int:pk>/answers/<str:code>/template.xlsx",
        answer_views.template_xlsx,
        name="template_xlsx",
    ),
    path("surveys/<int:pk>/answers/<str:code>/upload", answer_views.upload, name="upload"),
    path(
        "surveys/<int:pk>/answers/<str:code>/errors.xlsx",
        answer_views.marked_xlsx,
        name="marked_xlsx",
    ),
    path("surveys/<int:pk>/answers/<str:code>/reopen", answer_views.reopen, name="reopen"),
    path("surveys/<int:pk>/answers/<str:code>/return", answer_views.send_back, name="send_back"),
    path("surveys/<int:pk>/tracking/", tracking_views.tracking, name="tracking"),
    path("surveys/<int:pk>/remind", tracking_views.remind, name="remind"),
    path("surveys/<int:pk>/relay/", tracking_views.relay, name="relay"),
    path(
        "surveys/<int:pk>/relay/template.xlsx", tracking_views.relay_template, name="relay_template"
    ),
    path("surveys/<int:pk>/relay/upload", tracking_views.relay_upload, name="relay_upload"),
    path("surveys/<int:pk>/relay/errors.xlsx", tracking_views.relay_marked, name="relay_marked"),
    path("surveys/<int:pk>/relay/remind", tracking_views.relay_remind, name="relay_remind"),
    path("surveys/<int:pk>/relay/confirm", tracking_views.relay_confirm, name="relay_confirm"),
    path("surveys/<int:pk>/results/", result_views.results, name="results"),
    path("surveys/<int:pk>/results.xlsx", export_views.results_xlsx, name="results_xlsx"),
    path("surveys/<int:pk>/results.csv", export_views.results_csv, name="results_csv"),
    path(
        "surveys/<int:pk>/results/jobs/<int:job_id>/",
        export_views.results_job,
        name="results_job",
    ),
    path(
        "surveys/<int:pk>/results/jobs/<int:job_id>/retry/",
        export_views.results_retry,
        name="results_retry",
    ),
]

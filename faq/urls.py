from __future__ import annotations

from django.urls import path, re_path

from faq import edit_views, inquiry_views, views

app_name = "faq"

NUMBER = r"(?P<number>FAQ-\d{4,})"

urlpatterns = [
    path("faq/", views.index, name="index"),
    path("faq/suggest/", views.suggest, name="suggest"),
    path("faq/report/", views.report, name="report"),
    path("faq/export.xlsx", views.export, name="export"),
    path("faq/import/", views.import_view, name="import"),
    path("faq/import/jobs/<int:pk>/", views.import_job, name="import_job"),
    path("faq/import/jobs/<int:pk>/retry/", views.import_retry, name="import_retry"),
    path("faq/new/", edit_views.create, name="create"),
    re_path(rf"^faq/{NUMBER}/$", views.detail, name="detail"),
    re_path(rf"^faq/{NUMBER}/vote/$", views.vote, name="vote"),
    re_path(rf"^faq/{NUMBER}/edit/$", edit_views.edit, name="edit"),
    re_path(rf"^faq/{NUMBER}/publish/$", edit_views.publish, name="publish"),
    re_path(rf"^faq/{NUMBER}/unpublish/$", edit_views.unpublish, name="unpublish"),
    path("inquiries/", inquiry_views.index, name="inquiries"),
    path("inquiries/new/", inquiry_views.new, name="inquiry_new"),
    path("inquiries/<int:pk>/", inquiry_views.detail, name="inquiry_detail"),
    path("inquiries/<int:pk>/assign/", inquiry_views.assign, name="inquiry_assign"),
    path("inquiries/<int:pk>/answer/", inquiry_views.answer, name="inquiry_answer"),
    path("inquiries/<int:pk>/close/", inquiry_views.close, name="inquiry_close"),
    path("inquiries/<int:pk>/publish/", inquiry_views.publish, name="inquiry_publish"),
    path(
        "inquiries/<int:pk>/attachments/<int:attachment_pk>/",
        inquiry_views.attachment,
        name="inquiry_attachment",
    ),
]

from django.urls import path

from documents import catalogue_views, import_views, portal_views, views

app_name = "documents"
urlpatterns = [
    path("documents/", views.index, name="index"),
    path("documents/new/", views.create, name="create"),
    path("documents/<int:pk>/", views.detail, name="detail"),
    path("documents/<int:pk>/edit/", views.edit, name="edit"),
    path("documents/<int:pk>/publish", views.publish, name="publish"),
    path("documents/<int:pk>/withdraw", views.withdraw, name="withdraw"),
    path("documents/<int:pk>/versions", views.add_version, name="add_version"),
    path("documents/<int:pk>/hide", views.hide, name="hide"),
    path("documents/<int:pk>/unhide", views.unhide, name="unhide"),
    path("documents/<int:pk>/files/<int:file_id>/download", views.download, name="download"),
    path("efforts/", views.efforts, name="efforts"),
    path("efforts/new/", views.share_effort, name="share_effort"),
    path("announcements/", views.announcements, name="announcements"),
    path("announcements/new/", views.announcement_form, name="announcement_create"),
    path("announcements/<int:pk>/edit/", views.announcement_form, name="announcement_edit"),
    path("portal/", portal_views.pages, name="portal_pages"),
    path("portal/new/", portal_views.create_page, name="portal_create"),
    path("portal/<slug:slug>/", portal_views.portal, name="portal"),
    path("portal/<slug:slug>/edit/", portal_views.edit_page, name="portal_edit"),
    path(
        "portal/<slug:slug>/<str:kind>/<int:pk>/remove",
        portal_views.remove_part,
        name="portal_remove",
    ),
    path("procedures/", catalogue_views.procedures, name="procedures"),
    path("procedures/catalogue.xlsx", catalogue_views.procedures_xlsx, name="procedures_xlsx"),
    path("procedures/import/", import_views.procedures_import, name="procedures_import"),
    path(
        "procedures/import/jobs/<int:pk>/",
        import_views.procedures_import_job,
        name="procedures_import_job",
    ),
    path(
        "procedures/import/jobs/<int:pk>/retry/",
        import_views.procedures_import_retry,
        name="procedures_import_retry",
    ),
]

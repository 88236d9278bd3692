from django.urls import URLPattern, URLResolver, path

from leadflow.programs import views
from leadflow.programs.administration import views as administration

app_name = "programs"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.program_index, name="index"),
    path("<slug:slug>/", views.program_detail, name="detail"),
    path("<slug:slug>/criteria/edit", views.criteria_edit, name="criteria_edit"),
    path(
        "<slug:slug>/criteria/edit/<slug:section>",
        views.criteria_edit_section,
        name="criteria_edit_section",
    ),
    path("<slug:slug>/intake", views.intake_settings, name="intake_settings"),
    path("<slug:slug>/settings", administration.program_settings, name="settings"),
    path("<slug:slug>/criteria/preview", views.criteria_preview, name="criteria_preview"),
    path("<slug:slug>/criteria/publish", views.criteria_publish_view, name="criteria_publish"),
    path("<slug:slug>/criteria/discard", views.criteria_discard, name="criteria_discard"),
    path(
        "<slug:slug>/criteria/versions/<int:number>/",
        views.criteria_version,
        name="criteria_version",
    ),
    path("<slug:slug>/criteria/diff", views.criteria_diff_view, name="criteria_diff"),
]

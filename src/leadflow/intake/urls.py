from django.urls import URLPattern, URLResolver, path

from leadflow.intake import duplicate_pages, views

app_name = "intake"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<slug:slug>/", views.form, name="form"),
    path("<slug:slug>/submit", views.submit, name="submit"),
    path("<slug:slug>/embed/", views.embed, name="embed"),
]

#: Under ``/duplicates/``, namespace ``duplicates``: the possible duplicates to decide.
duplicate_patterns: list[URLPattern | URLResolver] = [
    path("", duplicate_pages.duplicate_index, name="index"),
    path("<int:duplicate_id>/", duplicate_pages.duplicate_detail, name="detail"),
    path("<int:duplicate_id>/merge", duplicate_pages.duplicate_merge_view, name="merge"),
    path("<int:duplicate_id>/distinct", duplicate_pages.duplicate_distinct_view, name="distinct"),
]

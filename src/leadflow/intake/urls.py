from django.urls import URLPattern, URLResolver, path

from leadflow.intake.views import duplicates, forms

app_name = "intake"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<slug:slug>/", forms.form, name="form"),
    path("<slug:slug>/submit", forms.submit, name="submit"),
    path("<slug:slug>/embed/", forms.embed, name="embed"),
]

#: Under ``/duplicates/``, namespace ``duplicates``: the possible duplicates to decide.
duplicate_patterns: list[URLPattern | URLResolver] = [
    path("", duplicates.duplicate_index, name="index"),
    path("<int:duplicate_id>/", duplicates.duplicate_detail, name="detail"),
    path("<int:duplicate_id>/merge", duplicates.duplicate_merge_view, name="merge"),
    path("<int:duplicate_id>/distinct", duplicates.duplicate_distinct_view, name="distinct"),
]

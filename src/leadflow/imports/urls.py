from django.urls import URLPattern, URLResolver, path

from leadflow.imports import views

app_name = "imports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.import_index, name="index"),
    path("<int:job_id>/", views.import_detail, name="detail"),
    path("<int:job_id>/mapping/", views.import_mapping, name="mapping"),
    path("<int:job_id>/undo/", views.import_undo_view, name="undo"),
    path("<int:job_id>/rejected.csv", views.import_rejected_csv, name="rejected_csv"),
]

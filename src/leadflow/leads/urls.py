"""The home page and the lead list. The workspace of one lead (``/leads/<id>/``) and the queue
have their own URL modules, included before this one in ``config/urls.py``."""

from django.urls import URLPattern, URLResolver, path

from leadflow.leads import views

app_name = "leads"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("leads/", views.lead_list_view, name="list"),
    path("leads/export.csv", views.lead_export, name="export"),
    path("leads/bulk/", views.lead_bulk, name="bulk"),
    path("leads/filters/", views.saved_filter_create, name="filter_save"),
    path("leads/filters/<int:filter_id>/delete/", views.saved_filter_remove, name="filter_delete"),
]

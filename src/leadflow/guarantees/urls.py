from django.urls import URLPattern, URLResolver, path

from leadflow.guarantees import views

app_name = "guarantees"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dispute_index, name="index"),
    path("leads/<int:lead_id>/new", views.dispute_new, name="dispute_new"),
    path("review/", views.review_queue, name="review"),
    path("<int:dispute_id>/", views.dispute_detail, name="detail"),
    path("<int:dispute_id>/decide", views.dispute_decide_view, name="decide"),
    path("programs/<slug:program_slug>/ledger", views.ledger, name="ledger"),
    path("programs/<slug:program_slug>/terms", views.terms_edit, name="terms"),
]

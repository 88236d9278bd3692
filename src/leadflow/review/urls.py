from django.urls import URLPattern, URLResolver, path

from leadflow.review import views

app_name = "review"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.review_index, name="index"),
    path("calls/<int:call_id>/recording", views.recording_upload_page, name="recording_upload"),
    path("recordings/<int:recording_id>/play", views.recording_listen, name="recording_play"),
    path("recordings/<int:recording_id>/audio", views.recording_audio, name="recording_audio"),
    path("<slug:slug>/", views.review_batch_page, name="batch"),
    path("<slug:slug>/approve-passing", views.review_approve_passing, name="approve_passing"),
    path("<slug:slug>/leads/<int:lead_id>/approve", views.review_approve, name="approve"),
    path("<slug:slug>/leads/<int:lead_id>/push-back", views.review_push_back, name="push_back"),
]

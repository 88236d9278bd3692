"""The public addresses of nurture e-mails (no sign-in), included at the site's root by
``config/urls.py`` under the namespace ``nurture_public``."""

from django.urls import path

from leadflow.nurture.views import public

app_name = "nurture_public"

urlpatterns = [
    path("t/<str:token>", public.track, name="track"),
    path("u/<str:token>", public.unsubscribe, name="unsubscribe"),
    path("webhooks/postmark/tracking/", public.provider_tracking, name="provider_tracking"),
]

from django.urls import URLPattern, URLResolver, path

from leadflow.delivery import views

app_name = "delivery"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.delivery_index, name="index"),
    path("<int:delivery_id>/", views.delivery_detail, name="detail"),
    path("<int:delivery_id>/resend", views.delivery_resend_view, name="resend"),
    path("<int:delivery_id>/file.<str:file_format>", views.delivery_file, name="file"),
    path("program/<slug:slug>/", views.program_deliveries, name="program"),
    path("program/<slug:slug>/run", views.delivery_run, name="run"),
    path("program/<slug:slug>/webhook-secret", views.webhook_secret_rotate, name="secret"),
    path(
        "program/<slug:slug>/hot/<int:lead_id>/deliver", views.hot_deliver_now, name="hot_deliver"
    ),
    path("program/<slug:slug>/hot/<int:lead_id>/escalate", views.hot_escalate, name="hot_escalate"),
]

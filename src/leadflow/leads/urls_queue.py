from django.urls import URLPattern, URLResolver, path

from leadflow.leads import views_queue

app_name = "queue"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_queue.queue_index, name="index"),
    path("next/", views_queue.queue_next, name="next"),
]

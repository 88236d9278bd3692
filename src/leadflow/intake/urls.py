from django.urls import URLPattern, URLResolver, path

from leadflow.intake import views

app_name = "intake"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<slug:slug>/", views.form, name="form"),
    path("<slug:slug>/submit", views.submit, name="submit"),
    path("<slug:slug>/embed/", views.embed, name="embed"),
]

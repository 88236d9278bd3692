from django.urls import URLPattern, URLResolver, path

from leadflow.programs.administration import views

app_name = "users"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.user_index, name="index"),
    path("new/", views.user_new, name="new"),
    path("changes/", views.change_history, name="changes"),
    path("<int:user_id>/", views.user_detail, name="detail"),
    path("<int:user_id>/edit/", views.user_edit, name="edit"),
    path("<int:user_id>/active/", views.user_active, name="active"),
    path("<int:user_id>/password-link/", views.user_password_link, name="password_link"),
]

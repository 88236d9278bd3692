from django.urls import URLPattern, URLResolver, path, re_path

from leadflow.billing import views

app_name = "billing"

MONTH = r"(?P<month>\d{4}-\d{2})"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.billing_index, name="index"),
    path("programs/<slug:slug>/", views.program_billing, name="program"),
    path("programs/<slug:slug>/terms", views.terms_edit, name="terms"),
    re_path(rf"^programs/(?P<slug>[-\w]+)/{MONTH}/$", views.statement_page, name="statement"),
    re_path(
        rf"^programs/(?P<slug>[-\w]+)/{MONTH}/close$", views.statement_close_view, name="close"
    ),
    re_path(
        rf"^programs/(?P<slug>[-\w]+)/{MONTH}\.(?P<file_format>csv|xlsx|pdf)$",
        views.statement_file,
        name="file",
    ),
]

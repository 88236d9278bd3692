from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from leadflow.config import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("leadflow.accounts.urls")),
    path("api/v1/", include("leadflow.api.urls")),
    path("forms/", include("leadflow.intake.urls")),
    path("imports/", include("leadflow.imports.urls")),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]

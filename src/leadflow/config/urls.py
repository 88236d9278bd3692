from django.contrib import admin
from django.urls import include, path

from leadflow.config import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("leadflow.accounts.urls")),
    path("api/v1/", include("leadflow.api.urls")),
    path("forms/", include("leadflow.intake.urls")),
    path("imports/", include("leadflow.imports.urls")),
    path("programs/", include("leadflow.programs.urls")),
    path("queue/", include("leadflow.leads.urls_queue")),
    path("review/", include("leadflow.review.urls")),
    path("deliveries/", include("leadflow.delivery.urls")),
    path("disputes/", include("leadflow.guarantees.urls")),
    path("partners/", include("leadflow.partners.urls")),
    path("leads/", include("leadflow.leads.urls_workspace")),
    path("", include("leadflow.leads.urls")),
]

"""The URL configuration: where every app's pages and the API v1 are mounted.

The API tokens pages belong to the ``api`` app but keep their addresses and names in the
user's account (``/accounts/tokens/``, ``accounts:tokens``), so they join the ``accounts``
namespace here, where both apps are known."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from leadflow.accounts import urls as accounts_urls
from leadflow.api import urls as token_urls
from leadflow.config import health
from leadflow.config.api import api
from leadflow.intake import urls as intake_urls
from leadflow.leads import urls as leads_urls
from leadflow.ops import metrics as ops_metrics
from leadflow.ops import views as ops_views

account_pages = ([*accounts_urls.urlpatterns, *token_urls.urlpatterns], accounts_urls.app_name)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links; it is the one in our static files.
    path("favicon.ico", RedirectView.as_view(url=static("leadflow/favicon.svg"), permanent=True)),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include(account_pages)),
    path("api/v1/", api.urls),
    path("forms/", include("leadflow.intake.urls")),
    path("imports/", include("leadflow.imports.urls")),
    path("duplicates/", include((intake_urls.duplicate_patterns, "duplicates"))),
    path("programs/", include("leadflow.programs.urls")),
    path("users/", include("leadflow.programs.administration.urls")),
    path("queue/", include((leads_urls.queue_patterns, "queue"))),
    path("review/", include("leadflow.review.urls")),
    path("deliveries/", include("leadflow.delivery.urls")),
    path("disputes/", include("leadflow.guarantees.urls")),
    path("billing/", include("leadflow.billing.urls")),
    path("appointments/", include("leadflow.appointments.urls")),
    path("partners/", include("leadflow.partners.urls")),
    path("nurture/", include("leadflow.nurture.urls")),
    path("sales/", include("leadflow.sales.urls")),
    path("reports/", include("leadflow.reports.urls")),
    path("scoring/", include("leadflow.scoring.urls")),
    path("leads/", include((leads_urls.workspace_patterns, "workspace"))),
    path("", include("leadflow.nurture.urls_public")),
    path("", include("leadflow.leads.urls")),
]

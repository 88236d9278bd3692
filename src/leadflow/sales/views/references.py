"""The references database, searched when a proposal is prepared: by any word, product and
industry, each reference with its uses this quarter and a flag once it reaches the program's
limit, so no customer is over-asked."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from leadflow.accounts.permissions import request_user
from leadflow.sales.forms import ReferenceSearchForm
from leadflow.sales.selectors.references import reference_search
from leadflow.sales.views.leads import view_required


@view_required
@require_GET
def reference_index(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = ReferenceSearchForm(request.GET or None)
    terms = form.cleaned_data if form.is_valid() else {}
    hits = reference_search(
        user=user,
        now=timezone.now(),
        q=terms.get("q", ""),
        product=terms.get("product", ""),
        industry=terms.get("industry", ""),
    )
    return render(
        request,
        "sales/references.html",
        {"form": form, "hits": hits, "searched": bool(terms and any(terms.values()))},
    )

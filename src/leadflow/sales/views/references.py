"""The references database: searched by any word, product and industry, each reference with
its uses this quarter and a flag once it reaches the program's limit, so no customer is
over-asked; an expired one (its willing-until date passed) shown as such. Field sales keep it:
the create and edit pages (``references.edit``, for the clients the user maintains)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.core.errors import InputError
from leadflow.sales.forms import ReferenceForm, ReferenceSearchForm
from leadflow.sales.models import Reference
from leadflow.sales.selectors.references import (
    reference_edit_clients,
    reference_edit_get,
    reference_search,
)
from leadflow.sales.services.references import EDITABLE, reference_create, reference_update
from leadflow.sales.views.leads import view_required

EDIT_REFUSED = "Only field sales and the sales managers keep the references database."
edit_required = capability_required(Capability.REFERENCES_EDIT, EDIT_REFUSED)


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
    editable = set(reference_edit_clients(user=user).values_list("pk", flat=True))
    return render(
        request,
        "sales/references.html",
        {
            "form": form,
            "hits": hits,
            "searched": bool(terms and any(terms.values())),
            "editable": editable,
        },
    )


def _save(
    request: HttpRequest, user: User, form: ReferenceForm, reference: Reference | None
) -> Reference | None:
    """The form's reference written through the service, or None with the refusal on the
    form beside its field."""
    data = form.cleaned_data
    fields: dict[str, Any] = {name: data[name] for name in EDITABLE if name != "customer"}
    try:
        if reference is None:
            return reference_create(
                client=data["client"],
                customer=data["customer"],
                willing_until=data["willing_until"],
                actor=user,
                now=timezone.now(),
                **fields,
            )
        return reference_update(
            reference=reference,
            customer=data["customer"],
            willing_until=data["willing_until"],
            actor=user,
            now=timezone.now(),
            **fields,
        )
    except InputError as exc:
        text = str(exc)
        form.add_error(
            exc.field if exc.field in form.fields else None, text[:1].upper() + text[1:] + "."
        )
        return None


def _page(request: HttpRequest, form: ReferenceForm, reference: Reference | None) -> HttpResponse:
    status = 400 if form.errors else 200
    return render(
        request,
        "sales/reference_form.html",
        {"form": form, "reference": reference},
        status=status,
    )


@view_required
@edit_required
@require_http_methods(["GET", "POST"])
def reference_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    clients = reference_edit_clients(user=user)
    if not clients.exists():
        raise PermissionDenied(EDIT_REFUSED)
    form = ReferenceForm(request.POST or None, clients=clients)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, user, form, None)
        if saved is not None:
            messages.success(request, f"Reference {saved.customer} added.")
            return redirect(reverse("sales:references"))
    return _page(request, form, None)


@view_required
@edit_required
@require_http_methods(["GET", "POST"])
def reference_edit(request: HttpRequest, reference_id: int) -> HttpResponse:
    user = request_user(request)
    reference = reference_edit_get(user=user, reference_id=reference_id)
    clients = reference_edit_clients(user=user)
    initial = {name: getattr(reference, name) for name in EDITABLE}
    initial |= {"client": reference.client, "willing_until": reference.willing_until}
    form = ReferenceForm(request.POST or None, initial=initial, clients=clients)
    form.fields["client"].disabled = True  # a reference stays with its client
    if request.method == "POST" and form.is_valid():
        saved = _save(request, user, form, reference)
        if saved is not None:
            messages.success(request, f"Reference {saved.customer} saved.")
            return redirect(reverse("sales:references"))
    return _page(request, form, reference)

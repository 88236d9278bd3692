"""The lead list (issue 5): filters, search, sort, saved filters, bulk actions and the CSV
export.

The list is for the staff roles (``Capability.LEADS_VIEW``); client contacts and partners get
403 (they have their portals). Every read goes through ``list_selectors`` and so starts from
the user's scope: a lead outside it never shows, and cannot be picked for a bulk action or
exported. With HTMX a filter change or a page link swaps only the table (``_table.html``) and
pushes the URL; without JavaScript the same URLs render the whole page.
"""

import csv
from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from leadflow.accounts.permissions import Capability, capability_required, request_user, user_can
from leadflow.config.leads import LEAD_LIST_VIEWS, ListView
from leadflow.core.errors import InputError
from leadflow.core.spreadsheet import csv_row
from leadflow.leads.forms import BulkForm, LeadFilterForm, ListSettingsForm, SavedFilterForm
from leadflow.leads.models import Lead
from leadflow.leads.selectors.lists import (
    DEFAULT_SORT,
    SELECT_AT_LEAST_ONE,
    SORTS,
    LeadFilters,
    lead_list,
    lead_page,
    leads_picked,
    list_view,
    saved_filter_get,
    saved_filter_list,
)
from leadflow.leads.selectors.preferences import (
    ALWAYS_SHOWN,
    LIST_COLUMNS,
    PAGE_SIZES,
    ListColumn,
    ListSettings,
    list_settings_get,
)
from leadflow.leads.selectors.ratings import rating_note_columns, rating_notes
from leadflow.leads.services.bulk import (
    BulkNotAllowed,
    bulk_actions_for,
    leads_bulk_assign_owner,
    leads_bulk_export_record,
    leads_bulk_set_campaign,
    leads_bulk_transition,
    saved_filter_delete,
    saved_filter_save,
)
from leadflow.leads.services.preferences import list_settings_save
from leadflow.leads.views.extensions import list_actions_for, list_view_columns

#: The export's columns up to and including the score; the apps' notes beside the rating
#: (``config/ratings.py``, e.g. "predicted") come after it, then the rest.
EXPORT_RATED = 8
#: How many leads the export reads at a time (and asks the view's extra columns for).
EXPORT_CHUNK = 2000
#: How many of the picked leads the confirmation page names (it always gives the count).
CONFIRM_SHOWN = 20
EXPORT_HEADER = [
    "id", "created_at", "client", "program", "status", "stage", "rating", "score", "first_name",
    "last_name", "title", "email", "phone", "company", "street", "city", "postal_code",
    "country", "subdivision", "channel", "campaign", "owner",
]  # fmt: skip
NO_ACCESS = "Your role has no access to the lead list."


def _list_url(query: str) -> str:
    url = reverse("leads:list")
    return f"{url}?{query}" if query else url


def _columns(base_query: str, sort: str, shown: tuple[ListColumn, ...]) -> list[dict[str, Any]]:
    """Table headers of the user's columns: a sortable column links to its ascending sort, or
    descending when it is already ascending, and says its state to screen readers
    (``aria-sort``)."""
    columns = []
    for shown_column in shown:
        key = shown_column.sort
        column: dict[str, Any] = {"label": shown_column.label, "key": shown_column.key}
        if key:
            current = sort.removeprefix("-") == key
            descending = sort.startswith("-")
            next_sort = f"-{key}" if current and not descending else key
            separator = "&" if base_query else ""
            column["href"] = f"?{base_query}{separator}sort={next_sort}"
            if current:
                column["aria_sort"] = "descending" if descending else "ascending"
        columns.append(column)
    return columns


def _chooser(settings: ListSettings) -> list[dict[str, Any]]:
    """The column chooser's boxes: every column, ticked when shown; "Lead" cannot be untied."""
    return [
        {
            "key": column.key,
            "label": column.label,
            "checked": column.key in settings.columns,
            "fixed": column.key in ALWAYS_SHOWN,
        }
        for column in LIST_COLUMNS
    ]


@capability_required(Capability.LEADS_VIEW, NO_ACCESS)
@require_GET
def lead_list_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = LeadFilterForm(request.GET, user=user)
    form.is_valid()
    filters = form.filters()
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    settings = list_settings_get(user=user)
    page = lead_page(
        leads=lead_list(user=user, filters=filters),
        number=number,
        per_page=settings.per_page,
        after=request.GET.get("after", "")[:1000],
        before=request.GET.get("before", "")[:1000],
    )
    view = list_view(filters.view)
    extra = list_view_columns(view=view, lead_ids=[lead.pk for lead in page.leads])
    rated = any(column.key == "rating" for column in settings.shown)
    shown_ids = [lead.pk for lead in page.leads] if rated else []
    notes = rating_notes(page="lead_list", lead_ids=shown_ids)
    for lead in page.leads:
        lead.view_extras = [(label, values.get(lead.pk, "")) for label, values in extra]  # type: ignore[attr-defined]
        lead.rating_note = notes.get(lead.pk)  # type: ignore[attr-defined]
    query = form.query()
    list_actions = list_actions_for(user)
    base_query = "&".join(
        part for part in query.split("&") if part and not part.startswith("sort=")
    )
    context = {
        "form": form,
        "page": page,
        "query": query,
        "sort": filters.sort,
        "default_sort": DEFAULT_SORT,
        "columns": _columns(base_query, filters.sort, settings.shown),
        "chooser": _chooser(settings),
        "per_page": settings.per_page,
        "page_sizes": PAGE_SIZES,
        "view": view,
        "views": LEAD_LIST_VIEWS,
        "extra_columns": [label for label, _ in extra],
        "bulk_actions": bulk_actions_for(user),
        "list_actions": list_actions,
        "selectable": bool(bulk_actions_for(user) or list_actions),
        "qualifiers": form.qualifiers,
        "can_export": user_can(user, Capability.LEADS_EXPORT),
        "saved_filters": saved_filter_list(user=user),
        "sort_keys": list(SORTS),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, "leads/_table.html", context)
    return render(request, "leads/list.html", context)


class _Echo:
    """A file-like sink for csv.writer: each row is handed straight to the response."""

    def write(self, value: str) -> str:
        return value


@capability_required(Capability.LEADS_EXPORT, NO_ACCESS)
@require_GET
def lead_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV, streamed (no size limit in memory), every cell formula-safe
    by the core's one rule (``core.spreadsheet``: phone numbers stay as they are)."""
    user = request_user(request)
    form = LeadFilterForm(request.GET, user=user)
    form.is_valid()
    filters = form.filters()
    view = list_view(filters.view)
    name = view.slug if view is not None else "leads"
    return _csv_response(lead_list(user=user, filters=filters), view=view, name=name)


def _csv_response(
    leads: QuerySet[Lead], *, view: ListView | None, name: str
) -> StreamingHttpResponse:
    """``leads`` as a CSV file, streamed a chunk at a time, with the notes beside the rating
    after the score and the view's extra columns at the end (each source asked once a chunk)."""

    def rows() -> Iterator[str]:
        writer = csv.writer(_Echo())
        labels = [label for label, _ in list_view_columns(view=view, lead_ids=[])]
        notes = [label for label, _ in rating_note_columns(page="lead_list", lead_ids=[])]
        header = [*EXPORT_HEADER[:EXPORT_RATED], *notes, *EXPORT_HEADER[EXPORT_RATED:]]
        yield writer.writerow([*header, *labels])
        found = leads.iterator(chunk_size=EXPORT_CHUNK)
        while chunk := list(islice(found, EXPORT_CHUNK)):
            ids = [lead.pk for lead in chunk]
            extra = list_view_columns(view=view, lead_ids=ids)
            rated = rating_note_columns(page="lead_list", lead_ids=ids)
            for lead in chunk:
                cells = _export_row(lead, [v.get(lead.pk, "") for _, v in extra])
                noted = csv_row([v.get(lead.pk, "") for _, v in rated])
                yield writer.writerow([*cells[:EXPORT_RATED], *noted, *cells[EXPORT_RATED:]])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return response


def _export_row(lead: Lead, extras: list[str]) -> list[str]:
    """One lead's cells, formula-safe, with the view's extra columns after the fixed ones."""
    return csv_row(
        [
            lead.pk,
            lead.created_at.isoformat(),
            lead.program.client.name,
            lead.program.name,
            lead.status,
            lead.stage,
            lead.rating or "",
            f"{lead.score:g}",
            lead.first_name,
            lead.last_name,
            lead.title,
            lead.email,
            lead.phone,
            lead.company,
            lead.street,
            lead.city,
            lead.postal_code,
            lead.country,
            lead.subdivision,
            lead.channel,
            lead.campaign,
            lead.owner.get_username() if lead.owner else "",
            *extras,
        ]
    )


@capability_required(Capability.LEADS_VIEW, NO_ACCESS)
@require_POST
def saved_filter_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = SavedFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the filter a name (at most 80 characters).")
        return HttpResponseRedirect(_list_url(request.POST.get("query", "")[:1000]))
    # The query is stored as the filter form understands it: unknown keys and the page drop out.
    query = LeadFilterForm(QueryDict(form.cleaned_data["query"]), user=user)
    query.is_valid()
    saved = saved_filter_save(user=user, name=form.cleaned_data["name"], query=query.query())
    messages.success(request, f"Filter “{saved.name}” saved.")
    return HttpResponseRedirect(_list_url(saved.query))


@capability_required(Capability.LEADS_VIEW, NO_ACCESS)
@require_POST
def saved_filter_remove(request: HttpRequest, filter_id: int) -> HttpResponse:
    """Another user's filter is not found (404, by the error middleware)."""
    saved = saved_filter_get(user=request_user(request), filter_id=filter_id)
    saved_filter_delete(saved=saved)
    messages.success(request, f"Filter “{saved.name}” deleted.")
    return HttpResponseRedirect(reverse("leads:list"))


@capability_required(Capability.LEADS_VIEW, NO_ACCESS)
@require_POST
def lead_bulk(request: HttpRequest) -> HttpResponseBase:
    """Two steps: the first POST shows what will happen (confirmation page), the second, with
    ``confirm``, runs the service and reports changed and skipped leads on the list."""
    user = request_user(request)
    if not bulk_actions_for(user):
        raise PermissionDenied("Your role runs no bulk actions.")
    form = BulkForm(request.POST, user=user)
    query = request.POST.get("query", "")[:1000]
    if not form.is_valid():
        if "lead" in form.errors:
            messages.error(request, SELECT_AT_LEAST_ONE)
        else:
            problems = "; ".join(
                str(message) for errors in form.errors.values() for message in errors
            )
            messages.error(request, f"Nothing changed: {problems}")
        return HttpResponseRedirect(_list_url(query))
    try:
        leads = leads_picked(user=user, lead_ids=form.cleaned_data["lead"])
    except InputError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(_list_url(query))
    bulk = form.bulk_action
    now = timezone.now()
    if bulk.name == "export":
        # A read: no confirmation, the file comes at once; each lead's history says who took it.
        exported = leads_bulk_export_record(leads=leads, actor=user, now=now)
        picked = lead_list(user=user, filters=LeadFilters()).filter(pk__in=exported)
        return _csv_response(picked.order_by("id"), view=None, name="selected-leads")
    if not form.cleaned_data["confirm"]:
        return render(
            request,
            "leads/bulk_confirm.html",
            {
                "form": form,
                "bulk": bulk,
                "count": leads.count(),
                "shown": leads.select_related("owner")[:CONFIRM_SHOWN],
                "lead_ids": form.cleaned_data["lead"],
                "owner": form.owner_user if bulk.name == "assign" else None,
                "campaign": form.cleaned_data["campaign"].strip(),
                "query": query,
            },
        )
    try:
        if bulk.name == "assign":
            owner = form.owner_user
            assert owner is not None
            result = leads_bulk_assign_owner(leads=leads, owner=owner, actor=user, now=now)
        elif bulk.name == "campaign":
            result = leads_bulk_set_campaign(
                leads=leads, campaign=form.cleaned_data["campaign"], actor=user, now=now
            )
        else:
            assert bulk.action is not None
            result = leads_bulk_transition(leads=leads, action=bulk.action, actor=user, now=now)
    except BulkNotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, result.message[0].upper() + result.message[1:] + ".")
    return HttpResponseRedirect(_list_url(query))


@capability_required(Capability.LEADS_VIEW, NO_ACCESS)
@require_POST
def list_settings_update(request: HttpRequest) -> HttpResponse:
    """The column chooser's Save: the user's columns and page size, then the list again with
    the filters it had."""
    user = request_user(request)
    form = ListSettingsForm(request.POST)
    query = request.POST.get("query", "")[:1000]
    if not form.is_valid():
        messages.error(request, "Nothing saved: choose columns the list has and 25, 50 or 100.")
        return HttpResponseRedirect(_list_url(query))
    list_settings_save(
        user=user,
        columns=form.cleaned_data["columns"],
        per_page=form.cleaned_data["per_page"],
        now=timezone.now(),
    )
    messages.success(request, "Your columns and page size are saved.")
    # A new page size moves the rows: start from the first page.
    kept = "&".join(part for part in query.split("&") if part and not part.startswith("page="))
    return HttpResponseRedirect(_list_url(kept))

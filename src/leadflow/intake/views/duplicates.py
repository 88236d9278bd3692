"""The possible duplicates pages: a program's pairs to decide, and one pair side by side with
the choice of which value survives, "Merge" and "Different people".

Who: the holders of ``duplicates.decide`` (marketers, managers, admins: the people who bring
leads in by imports and forms); other roles get 403, another scope's pair 404 (the selector's
``DoesNotExist``, answered by the error middleware). Every write is a decision service of
``intake.services.decisions``; a refused one is a message on the pair's page, nothing changed.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.core.enums import Rating
from leadflow.core.errors import DomainRefused
from leadflow.intake.models import DuplicateStatus, PossibleDuplicate
from leadflow.intake.selectors import duplicate_get, duplicate_list
from leadflow.intake.services.decisions import duplicate_distinct, duplicate_merge, pair_sides
from leadflow.leads.models import Lead
from leadflow.leads.services.pairs import PAIR_FIELDS
from leadflow.leads.workspace.text import label
from leadflow.programs.selectors import program_list

PAGE_SIZE = 25

decider_required = capability_required(
    Capability.DUPLICATES_DECIDE,
    "Possible duplicates are decided by marketers, sales managers and admins.",
)

#: The rows of the side-by-side, in order: (label, the choice it belongs to or "").
ROWS: tuple[tuple[str, str], ...] = (
    ("Name", "name"),
    ("E-mail", "email"),
    ("Phone", "phone"),
    ("Company", "company"),
    ("Title", "title"),
    ("Address", "address"),
    ("Website", "website"),
    ("Industry", "industry"),
    ("Company size", "company_size"),
    ("Campaign", "campaign"),
    ("Source", ""),
    ("Created", ""),
    ("Status", ""),
    ("Rating", ""),
)


@dataclass(frozen=True)
class CompareRow:
    """One line of the side-by-side: the kept lead's value, the other's, and whether the person
    chooses between them (both given and different)."""

    label: str
    choice: str
    kept: str
    other: str

    @property
    def differs(self) -> bool:
        return self.kept != self.other

    @property
    def choosable(self) -> bool:
        return bool(self.choice and self.kept and self.other and self.differs)


def _text(lead: Lead, row: str, choice: str) -> str:
    if choice == "name":
        return " ".join(part for part in (lead.first_name, lead.last_name) if part)
    if choice == "address":
        region = " ".join(part for part in (lead.subdivision, lead.postal_code) if part)
        return ", ".join(part for part in (lead.street, lead.city, region, lead.country) if part)
    if choice:
        return str(getattr(lead, PAIR_FIELDS[choice][0]))
    if row == "Source":
        source = label(lead.channel)
        if lead.external_id:
            source += f" (id {lead.external_id}" + (
                f" in {lead.external_source})" if lead.external_source else ")"
            )
        return source
    if row == "Created":
        return f"{timezone.localtime(lead.created_at):%Y-%m-%d %H:%M}"
    if row == "Status":
        return label(lead.status)
    return Rating(lead.rating).label if lead.rating else "no rating"


def compare_rows(kept: Lead, other: Lead) -> list[CompareRow]:
    """The side-by-side of two leads; rows where neither has a value are left out."""
    rows = []
    for name, choice in ROWS:
        row = CompareRow(name, choice, _text(kept, name, choice), _text(other, name, choice))
        if row.kept or row.other:
            rows.append(row)
    return rows


@login_required
@require_GET
@decider_required
def duplicate_index(request: HttpRequest) -> HttpResponse:
    """The possible duplicates of the user's programs (or of one), newest first."""
    user = request_user(request)
    programs = program_list(user=user).order_by("client__name", "name")
    slug = request.GET.get("program") or None
    status = request.GET.get("status", DuplicateStatus.OPEN)
    chosen = status if status in DuplicateStatus.values else DuplicateStatus.OPEN
    pairs = duplicate_list(user=user, program=slug, status=chosen)
    return render(
        request,
        "intake/duplicates.html",
        {
            "pairs": Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page")),
            "programs": programs,
            "program": slug or "",
            "status": chosen,
            "statuses": DuplicateStatus.choices,
        },
    )


@login_required
@require_GET
@decider_required
def duplicate_detail(request: HttpRequest, duplicate_id: int) -> HttpResponse:
    """One pair side by side, with the choices and both decisions while it is open."""
    user = request_user(request)
    pair = duplicate_get(user=user, duplicate_id=duplicate_id)
    kept, other = pair_sides(pair)
    return render(
        request,
        "intake/duplicates_detail.html",
        {
            "pair": pair,
            "kept": kept,
            "other": other,
            "rows": compare_rows(kept, other),
            "is_open": pair.status == DuplicateStatus.OPEN,
        },
    )


def _choices(request: HttpRequest) -> dict[str, str]:
    return {
        name: request.POST[f"choice_{name}"]
        for name in PAIR_FIELDS
        if request.POST.get(f"choice_{name}")
    }


@login_required
@require_POST
@decider_required
def duplicate_merge_view(request: HttpRequest, duplicate_id: int) -> HttpResponse:
    user = request_user(request)
    pair: PossibleDuplicate = duplicate_get(user=user, duplicate_id=duplicate_id)
    kept, other = pair_sides(pair)
    try:
        survivor = duplicate_merge(
            duplicate=pair,
            user=user,
            choices=_choices(request),
            now=timezone.now(),
            survivor=kept.pk,
        )
    except DomainRefused as exc:
        messages.error(request, f"Nothing changed: {exc}.")
        return redirect("duplicates:detail", duplicate_id=pair.pk)
    messages.success(
        request,
        f"Lead #{other.pk} merged into lead #{survivor.pk}; both leads' values are in the history.",
    )
    return redirect("workspace:detail", lead_id=survivor.pk)


@login_required
@require_POST
@decider_required
def duplicate_distinct_view(request: HttpRequest, duplicate_id: int) -> HttpResponse:
    user = request_user(request)
    pair = duplicate_get(user=user, duplicate_id=duplicate_id)
    try:
        duplicate_distinct(
            duplicate=pair, user=user, note=request.POST.get("note", ""), now=timezone.now()
        )
    except DomainRefused as exc:
        messages.error(request, f"Nothing changed: {exc}.")
        return redirect("duplicates:detail", duplicate_id=pair.pk)
    messages.success(
        request,
        f"Leads #{pair.other_id} and #{pair.lead_id} are different people; "
        "they will not be proposed again.",
    )
    return redirect(f"{reverse('duplicates:index')}?program={pair.program.slug}")

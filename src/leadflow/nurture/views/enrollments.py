"""Who is in a sequence (the leads in it now, finished, or left, with how far each got), and
the mailing list its direct-mail touches fill: exported for the mail house as CSV or XLSX,
every cell formula-safe by the core's one rule (``core.spreadsheet``)."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from leadflow.accounts.permissions import request_user
from leadflow.core.delivery_files import Column, csv_bytes, xlsx_bytes
from leadflow.nurture.models import EnrollmentState, MailingListEntry, Sequence
from leadflow.nurture.selectors import enrollments_of, mailing_list, sequence_get
from leadflow.nurture.services.responses import mailing_list_mark_exported
from leadflow.nurture.views.sequences import manage_required

#: How many enrollments the page lists (the most recent first).
SHOWN = 200
STATES = (
    (EnrollmentState.ACTIVE.value, "In it now"),
    (EnrollmentState.FINISHED.value, "Finished"),
    (EnrollmentState.LEFT.value, "Left early"),
)
#: The mailing list's columns, named as mail houses and CRMs expect them.
MAILING_COLUMNS = (
    Column("FirstName", "first_name"),
    Column("LastName", "last_name"),
    Column("Title", "title"),
    Column("Company", "company"),
    Column("Street", "street"),
    Column("City", "city"),
    Column("PostalCode", "postal_code"),
    Column("State", "subdivision"),
    Column("Country", "country"),
    Column("LeadId", "lead_id"),
    Column("AddedAt", "created_at"),
    Column("ExportedAt", "exported_at"),
)
FILE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@manage_required
@require_GET
def enrollment_list(request: HttpRequest, sequence_id: int) -> HttpResponse:
    sequence = sequence_get(user=request_user(request), sequence_id=sequence_id)
    labels = dict(STATES)
    state = request.GET.get("state", EnrollmentState.ACTIVE)
    if state not in labels:
        state = EnrollmentState.ACTIVE
    touches = list(sequence.touches.order_by("position", "id"))
    enrollments = list(
        enrollments_of(sequence=sequence)
        .filter(state=state)
        .annotate(done=Count("sent"))
        .order_by("-entered_at", "-id")[: SHOWN + 1]
    )
    rows = [
        {
            "enrollment": enrollment,
            "done": enrollment.done,
            "next": touches[enrollment.step]
            if state == EnrollmentState.ACTIVE and enrollment.step < len(touches)
            else None,
        }
        for enrollment in enrollments[:SHOWN]
    ]
    return render(
        request,
        "nurture/enrollments.html",
        {
            "sequence": sequence,
            "rows": rows,
            "more": len(enrollments) > SHOWN,
            "states": STATES,
            "state": state,
            "state_label": labels[state],
            "touch_count": len(touches),
        },
    )


@manage_required
@require_GET
def mailing_list_page(request: HttpRequest, sequence_id: int) -> HttpResponse:
    user = request_user(request)
    sequence = sequence_get(user=user, sequence_id=sequence_id)
    every = mailing_list(user=user, sequence=sequence, pending_only=False)
    return render(
        request,
        "nurture/mailing_list.html",
        {
            "sequence": sequence,
            "pending": [
                (entry, _address(entry)) for entry in mailing_list(user=user, sequence=sequence)
            ],
            "total": every.count(),
            "exported": every.filter(exported_at__isnull=False).count(),
        },
    )


def _address(entry: MailingListEntry) -> str:
    """The postal address on one line, as a person reads it: "1 Orbit Way, 23666 Hampton,
    VA, US"; the parts a lead lacks left out."""
    town = " ".join(part for part in (entry.postal_code, entry.city) if part)
    parts = (entry.street, town, entry.subdivision, entry.country)
    return ", ".join(part for part in parts if part) or "no address"


def _rows(entries: Iterable[MailingListEntry]) -> list[list[Any]]:
    return [
        [
            entry.first_name,
            entry.last_name,
            entry.title,
            entry.company,
            entry.street,
            entry.city,
            entry.postal_code,
            entry.subdivision,
            entry.country,
            entry.lead_id,
            entry.created_at.isoformat(),
            entry.exported_at.isoformat() if entry.exported_at else "",
        ]
        for entry in entries
    ]


def _file(sequence: Sequence, entries: list[MailingListEntry], kind: str) -> HttpResponse:
    if kind not in FILE_TYPES:
        raise Http404("The mailing list comes as CSV or XLSX.")
    rows = _rows(entries)
    body = (
        csv_bytes(MAILING_COLUMNS, rows)
        if kind == "csv"
        else xlsx_bytes(MAILING_COLUMNS, rows, sheet="Mailing list")
    )
    response = HttpResponse(body, content_type=FILE_TYPES[kind])
    name = f"mailing-list-{sequence.program.slug}-{sequence.slug}-{timezone.localdate():%Y%m%d}"
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    response["Cache-Control"] = "no-store"
    return response


@manage_required
@require_POST
def mailing_list_export(request: HttpRequest, sequence_id: int) -> HttpResponse:
    """The addresses not yet exported, as a file, marked exported in the same request."""
    user = request_user(request)
    sequence = sequence_get(user=user, sequence_id=sequence_id)
    kind = request.POST.get("format", "csv")
    entries = list(mailing_list(user=user, sequence=sequence))
    response = _file(sequence, entries, kind)
    mailing_list_mark_exported(entries=entries, now=timezone.now())
    return response


@manage_required
@require_GET
def mailing_list_file(request: HttpRequest, sequence_id: int, kind: str) -> HttpResponse:
    """Every address of the sequence's mailing list so far, exported or not (nothing marked)."""
    user = request_user(request)
    sequence = sequence_get(user=user, sequence_id=sequence_id)
    entries = list(mailing_list(user=user, sequence=sequence, pending_only=False))
    return _file(sequence, entries, kind)

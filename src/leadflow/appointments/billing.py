"""The appointments as billable deliverables (docs/BILLING.md, "Adding deliverables"), a source
of ``config/billing.py``: a call is billed once, per invitation (its UID), in the month it was
first delivered to the client, priced per appointment; its id on the statement is the first
appointment of the UID (a moved call is the same deliverable). A call whose invitation ended
cancelled is not billed.

A call delivered to make good an upheld appointment dispute (``AppointmentDispute.replacement``)
is listed at no charge, naming the call it replaces; a dispute upheld in ``[upheld_from, end)``
credits what its call was billed at (billing finds the amount on this or an earlier
statement)."""

from collections.abc import Iterable
from datetime import datetime

from django.urls import reverse

from leadflow.accounts.models import User
from leadflow.appointments.models import (
    Appointment,
    AppointmentDispute,
    AppointmentDisputeStatus,
)
from leadflow.appointments.selectors import appointment_scope
from leadflow.appointments.selectors.disputes import calls_first_delivered
from leadflow.billing.sources import SourceItems
from leadflow.core.appointments import AppointmentDisputeReason, AppointmentState
from leadflow.core.billing import Deliverable, DeliverableKind, UpheldDispute
from leadflow.programs.models import Program


def delivered_appointments(
    *, program: Program, start: datetime, end: datetime, upheld_from: datetime | None
) -> SourceItems:
    first_at = calls_first_delivered(program=program, before=end)
    wanted = [uid for uid, at in first_at.items() if start <= at]
    calls = Appointment.objects.filter(uid__in=wanted).order_by("uid", "sequence", "pk")
    first: dict[str, int] = {}
    last_state: dict[str, str] = {}
    for pk, uid, state in calls.values_list("pk", "uid", "state"):
        first.setdefault(uid, pk)
        last_state[uid] = state
    disputes = list(
        AppointmentDispute.objects.filter(program=program)
        .values_list("uid", "replacement__uid", "status", "decided_at", "reason")
        .order_by("decided_at", "pk")
    )
    uids = {uid for uid, *_ in disputes} | {r for _, r, *_ in disputes if r}
    first_of = _first_ids(uids)
    replaces = {r: uid for uid, r, *_ in disputes if r}
    credits = [
        UpheldDispute(
            deliverable_id=first_of[uid],
            kind=DeliverableKind.APPOINTMENT,
            upheld_at=decided_at,
            reason=AppointmentDisputeReason(reason).label,
        )
        for uid, _, status, decided_at, reason in disputes
        if status == AppointmentDisputeStatus.UPHELD
        and decided_at is not None
        and decided_at < end
        and (upheld_from is None or decided_at >= upheld_from)
        and uid in first_of
    ]
    return SourceItems(
        deliverables=[
            Deliverable(
                id=first[uid],
                kind=DeliverableKind.APPOINTMENT,
                delivered_at=first_at[uid],
                replaces=first_of.get(replaces[uid]) if uid in replaces else None,
            )
            for uid in wanted
            if uid in first and last_state[uid] != AppointmentState.CANCELLED
        ],
        disputes=credits,
    )


def _first_ids(uids: set[str]) -> dict[str, int]:
    """The first appointment of each invitation: its id on the statement."""
    first: dict[str, int] = {}
    rows = Appointment.objects.filter(uid__in=list(uids)).order_by("uid", "sequence", "pk")
    for pk, uid in rows.values_list("pk", "uid"):
        first.setdefault(uid, pk)
    return first


def appointment_urls(*, user: User, ids: Iterable[int | str]) -> dict[str, str]:
    """Each billed call's page for this viewer (its latest version), if they may see it."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return {}
    uids = dict(Appointment.objects.filter(pk__in=wanted).values_list("uid", "pk"))
    latest: dict[str, int] = {}
    for pk, uid in (
        appointment_scope(user=user)
        .filter(uid__in=list(uids))
        .order_by("sequence", "pk")
        .values_list("pk", "uid")
    ):
        latest[uid] = pk
    return {str(uids[uid]): reverse("appointments:detail", args=[pk]) for uid, pk in latest.items()}

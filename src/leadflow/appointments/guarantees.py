"""The appointments beside the leads on a program's guarantee ledger (issue 20, item 2), the
section registered in ``config/guarantees.py``.

Per period of the guarantee's terms, in the client's timezone, counted like the leads
(``core.guarantee``): **delivered** is each invitation first delivered in the period (a moved
call is the one invitation; a call cancelled before it took place is not counted), a
replacement counting as **replaced** in the period of the call it replaces; **held** and
**no-show** are what the attendee recorded of those calls; the disputes count in the period of
the call they dispute; **valid** = delivered + replaced - upheld; **owed** is the program's
appointments per period (``AppointmentTerms``), none while the guarantee is off.
"""

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from leadflow.accounts.permissions import Capability
from leadflow.appointments.models import (
    Appointment,
    AppointmentDispute,
    AppointmentDisputeStatus,
)
from leadflow.appointments.selectors.disputes import appointment_terms_for, calls_first_delivered
from leadflow.core.appointments import AppointmentState
from leadflow.core.guarantee import (
    LedgerRow,
    Period,
    PeriodCounts,
    PeriodKind,
    guarantee_ledger,
    period_containing,
)
from leadflow.guarantees.models import GuaranteeTerms
from leadflow.guarantees.selectors import LedgerColumn, LedgerLink, LedgerSection
from leadflow.programs.models import Program

COLUMNS = (
    LedgerColumn("owed", "Owed"),
    LedgerColumn("delivered", "Delivered"),
    LedgerColumn("held", "Held"),
    LedgerColumn("no_show", "Not attended"),
    LedgerColumn("valid", "Valid"),
    LedgerColumn("disputed", "Disputed"),
    LedgerColumn("open", "Open"),
    LedgerColumn("upheld", "Upheld"),
    LedgerColumn("replaced", "Replaced"),
    LedgerColumn("awaiting_replacement", "Awaiting replacement"),
    LedgerColumn("still_owed", "Still owed", strong=True),
)

HELP = (
    "Appointments: each call delivered counts once, in the period it was first delivered (a "
    "moved call is the same call; one cancelled before it took place is not counted). Held "
    "and not attended (the prospect did not come) are what the attendee recorded. A "
    "replacement call counts in the period of the call it replaces."
)


def _day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def appointment_ledger_section(
    *, program: Program, terms: GuaranteeTerms, now: datetime, since: date | None
) -> LedgerSection | None:
    """The program's appointments per guarantee period; None for a program that promises none
    and had no call delivered. Five queries whatever the number of calls."""
    promised = appointment_terms_for(program=program)
    zone = ZoneInfo(program.client.timezone)
    kind = PeriodKind(terms.period)
    first_delivery = calls_first_delivered(program=program)
    if promised.pk is None and not first_delivery:
        return None
    last_state: dict[str, str] = {}
    for uid, state in (
        Appointment.objects.filter(uid__in=list(first_delivery))
        .order_by("uid", "sequence", "pk")
        .values_list("uid", "state")
    ):
        last_state[uid] = state
    disputes = list(
        AppointmentDispute.objects.filter(program=program).values_list(
            "uid", "status", "ledger_at", "replacement__uid"
        )
    )
    replacing = {r_uid: ledger_at for _, _, ledger_at, r_uid in disputes if r_uid}
    disputed = {uid for uid, *_ in disputes}
    counts: list[tuple[date, PeriodCounts]] = []
    outcomes: list[tuple[date, str]] = []
    for uid, at in first_delivery.items():
        state = last_state.get(uid, "")
        if state == AppointmentState.CANCELLED and uid not in disputed:
            continue
        if uid in replacing:
            day = _day(replacing[uid], zone)
        else:
            day = _day(at, zone)
            counts.append((day, PeriodCounts(delivered=1)))
        outcomes.append((day, state))
    for _, status, ledger_at, r_uid in disputes:
        upheld = status == AppointmentDisputeStatus.UPHELD
        counts.append(
            (
                _day(ledger_at, zone),
                PeriodCounts(
                    disputed=1,
                    open=int(status == AppointmentDisputeStatus.OPEN),
                    upheld=int(upheld),
                    replaced=int(upheld and r_uid is not None),
                ),
            )
        )
    days = [day for day, _ in counts]
    if since is not None:
        counts.append((since, PeriodCounts()))
    ledger = guarantee_ledger(
        kind=kind,
        timezone=program.client.timezone,
        owed_per_period=promised.appointments_per_period if terms.is_active else 0,
        counts=counts,
        now=now,
        starts_on=terms.starts_on,
    )
    by_period: dict[Period, Counter[str]] = {}
    for day, state in outcomes:
        by_period.setdefault(period_containing(day, kind), Counter())[state] += 1
    rows = {
        row.period: _figures(row, by_period.get(row.period, Counter()))
        for row in ledger.rows
        if row.period is not None
    }
    totals = _figures(ledger.totals, Counter(state for _, state in outcomes))
    owed = promised.appointments_per_period
    words = f"{owed} per {kind.label.lower()}" if owed else "no number promised"
    links = (
        LedgerLink(
            "Edit the appointments owed",
            reverse("appointments:terms", args=[program.slug]),
            Capability.GUARANTEES_EDIT_TERMS.value,
        ),
        LedgerLink("Disputes of appointments", reverse("appointments:disputes")),
    )
    return LedgerSection(
        key="appointments",
        title="Appointments",
        columns=COLUMNS,
        rows=rows,
        totals=totals,
        first_day=min(days) if days else None,
        facts=(("Valid appointments owed", words),),
        help=HELP,
        links=links,
    )


def _figures(row: LedgerRow, outcomes: Counter[str]) -> dict[str, int]:
    return {
        "owed": row.owed,
        "delivered": row.delivered,
        "held": outcomes[AppointmentState.HELD],
        "no_show": outcomes[AppointmentState.NO_SHOW],
        "valid": row.valid,
        "disputed": row.disputed,
        "open": row.open,
        "upheld": row.upheld,
        "replaced": row.replaced,
        "awaiting_replacement": row.awaiting_replacement,
        "still_owed": row.still_owed,
    }

"""The summary tables, kept current from the leads' history (docs/REPORTS.md, "Summary
tables").

A lead whose history grows is listed in ``PendingLead`` inside the same transaction, one row
per write: a refresh can only see the row once the write committed, and then sees its history
too (a row shared between writes could be taken by a refresh while a later write is still
uncommitted, and that write would be missed). The refresh (the periodic job
``reports.refresh``, and every report before it reads) takes the one ``RefreshLock`` row, so
refreshes run one at a time, claims the oldest listed rows in chunks and rewrites their leads'
per-lead rows: one read of the chunk's leads, one of their history, one of their won
proposals, one delete and one plain write (``COPY`` on PostgreSQL, ``executemany`` on SQLite)
per table, whatever the chunk's size; then the daily rollups of the days those leads are in
(``services.rollup``). What a lead's history means is ``core.reports.lead_fold``. The rebuild
folds every lead by id ranges and recomputes every rollup: the tables are a pure function of
the history.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Max, Min, Q, Sum

from leadflow.core.lifecycle import Action
from leadflow.core.reports import (
    EventRow,
    Response,
    TouchDone,
    duration_step,
    enrollment_requalified,
    lead_fold,
    responses_attribute,
)
from leadflow.delivery.models import DeliveryItem
from leadflow.leads.models import Lead, LeadEvent
from leadflow.lib.rows import rows_copy
from leadflow.nurture.models import (
    Engagement,
    EngagementKind,
    Enrollment,
    LeaveReason,
    TouchSent,
)
from leadflow.reports.models import (
    PER_LEAD,
    ROLLUPS,
    EnrollmentFact,
    LeadFact,
    PendingLead,
    RatingMark,
    RefreshLock,
    ReviewDecision,
    StatusSpan,
    TouchFact,
)
from leadflow.reports.services.registrations import registrations_fold
from leadflow.reports.services.rollup import rollups_recompute
from leadflow.sales.models import Proposal, ProposalState

#: Leads folded per transaction.
CHUNK = 2_000
#: Lead ids per transaction of a rebuild.
REBUILD_CHUNK = 5_000
#: Leads listed per INSERT (well under the databases' bound-parameter limits).
PENDING_BATCH = 10_000
#: The history the reports read.
KINDS = ("created", "qualified", "status_changed", "call")

#: The columns each fold writes, in the order of its rows.
FACT_COLUMNS = (
    "lead_id", "program_id", "client_id", "created_at", "created_day", "channel", "campaign",
    "inquiry_type", "rating", "criteria_version", "status", "status_since", "lead_at",
    "opportunity_at", "qualified_at", "approved_at", "handed_off_at", "won_at", "lost_at",
    "nurtured_at", "submitted_at", "first_call_at", "delivered_at", "delivery_seconds",
    "first_call_seconds", "submission_seconds",
    "first_call_step", "submission_step", "calls", "submissions", "pushbacks", "qualifier_id",
    "won_amount", "won_currency",
)  # fmt: skip
DECISION_COLUMNS = (
    "event_id", "lead_id", "program_id", "lead_created_at", "lead_created_day", "qualifier_id",
    "decided_at", "approved", "reason",
)  # fmt: skip
SPAN_COLUMNS = (
    "lead_id", "program_id", "lead_created_at", "lead_created_day", "status", "entered_at",
    "left_at", "seconds", "step",
)  # fmt: skip
TOUCH_COLUMNS = (
    "touch_sent_id", "lead_id", "program_id", "day", "sequence_id", "touch_id", "skipped",
    "responded", "clicks", "replies", "phone", "form_fills",
)  # fmt: skip
ENROLLMENT_COLUMNS = (
    "enrollment_id", "lead_id", "program_id", "sequence_id", "entered_day", "left_day",
    "requalified", "unsubscribed",
)  # fmt: skip
MARK_COLUMNS = (
    "lead_id", "program_id", "lead_created_at", "lead_created_day", "criteria_version", "rating",
)  # fmt: skip


def leads_pending_add(*, lead_ids: Iterable[int]) -> None:
    """List leads for the next refresh: one plain multi-row INSERT (this runs inside every
    write of history, so it skips the ORM's per-object work)."""
    ids = list(dict.fromkeys(lead_ids))
    table = connection.ops.quote_name(PendingLead._meta.db_table)
    column = connection.ops.quote_name("lead_id")
    with connection.cursor() as cursor:
        for start in range(0, len(ids), PENDING_BATCH):
            batch = ids[start : start + PENDING_BATCH]
            values = ", ".join(["(%s)"] * len(batch))
            cursor.execute(f"INSERT INTO {table} ({column}) VALUES {values}", batch)


def _lock(wait: bool) -> bool:
    """Take the refresh lock for this transaction; ``False`` when another refresh holds it
    and ``wait`` is off."""
    RefreshLock.objects.get_or_create(name="refresh")
    locked = RefreshLock.objects.filter(name="refresh").select_for_update(
        skip_locked=not wait and connection.features.has_select_for_update_skip_locked
    )
    return locked.exists()


def _claim(size: int) -> tuple[list[int], list[int]]:
    """The oldest listed rows (up to ``size``) and their distinct leads."""
    rows = list(PendingLead.objects.order_by("id").values_list("id", "lead_id")[:size])
    return [row_id for row_id, _ in rows], list(dict.fromkeys(lead_id for _, lead_id in rows))


@dataclass(frozen=True, slots=True)
class _Leads:
    """The leads of one fold: listed ids, or (the rebuild) an id range ``[low, high)``."""

    ids: Sequence[int] = ()
    low: int | None = None
    high: int | None = None

    def q(self, field: str) -> Q:
        if self.low is not None:
            return Q(**{f"{field}__gte": self.low, f"{field}__lt": self.high})
        return Q(**{f"{field}__in": self.ids})


def _events(leads: _Leads) -> dict[int, list[EventRow]]:
    rows = (
        LeadEvent.objects.filter(leads.q("lead_id"), kind__in=KINDS)
        .order_by()
        .values_list(
            "id",
            "lead_id",
            "kind",
            "action",
            "at",
            "from_status",
            "to_status",
            "actor_id",
            "after__stage",
            "after__rating",
            "after__criteria_version",
            "reason",
        )
    )
    found: dict[int, list[EventRow]] = defaultdict(list)
    for (
        event_id, lead_id, kind, action, at, from_status, to_status, actor_id, stage, rating,
        version, reason,
    ) in rows:  # fmt: skip
        found[lead_id].append(
            EventRow(
                id=event_id,
                kind=kind,
                action=action,
                at=at,
                from_status=from_status,
                to_status=to_status,
                actor_id=actor_id,
                stage=stage if isinstance(stage, str) else "",
                rating=rating if isinstance(rating, str) else None,
                criteria_version=version if isinstance(version, int) else None,
                reason=reason,
            )
        )
    return found


def _won(leads: _Leads) -> dict[int, tuple[Decimal, str]]:
    """Per lead, the amount of its won proposals (in the currency of the largest sum)."""
    sums = (
        Proposal.objects.filter(leads.q("lead_id"), state=ProposalState.WON)
        .order_by()
        .values_list("lead_id", "currency")
        .annotate(total=Sum("won_amount"))
    )
    found: dict[int, tuple[Decimal, str]] = {}
    for lead_id, currency, total in sums:
        if total is not None and (lead_id not in found or total > found[lead_id][0]):
            found[lead_id] = (total, currency)
    return found


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds()


def _step(seconds: float | None) -> int | None:
    return None if seconds is None else duration_step(seconds)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name or "UTC")


def _fold(chosen: _Leads) -> set[tuple[int, date]]:
    """Rewrite the leads' per-lead rows; the (program, day) pairs they were and are in."""
    leads = Lead.objects.filter(chosen.q("id")).values_list(
        "id", "program_id", "program__client_id", "program__client__timezone", "created_at",
        "channel", "campaign", "inquiry_type",
    )  # fmt: skip
    touched = set(
        LeadFact.objects.filter(chosen.q("lead_id")).values_list("program_id", "created_day")
    )
    history = _events(chosen)
    won = _won(chosen)
    deliveries = dict(
        DeliveryItem.objects.filter(chosen.q("lead_id")).values_list(
            "lead_id", "delivery__created_at"
        )
    )
    facts: list[tuple[Any, ...]] = []
    decisions: list[tuple[Any, ...]] = []
    spans: list[tuple[Any, ...]] = []
    marks: list[tuple[Any, ...]] = []
    outcomes: dict[int, str] = {}
    for lead_id, program_id, client_id, zone, created_at, channel, campaign, inquiry in leads:
        folded = lead_fold(history.get(lead_id, []))
        outcomes[lead_id] = "won" if folded.won_at else "lost" if folded.lost_at else "open"
        amount, currency = won.get(lead_id, (None, ""))
        delivered = deliveries.get(lead_id)
        day = created_at.astimezone(_zone(zone)).date()
        touched.add((program_id, day))
        first_call = _seconds(created_at, folded.first_call_at)
        submission = _seconds(created_at, folded.submitted_at)
        # In the order of FACT_COLUMNS.
        facts.append(
            (
                lead_id, program_id, client_id, created_at, day, channel, campaign, inquiry,
                folded.rating, folded.criteria_version, folded.status or "new",
                folded.status_since or created_at, folded.lead_at, folded.opportunity_at,
                folded.qualified_at, folded.approved_at, folded.handed_off_at, folded.won_at,
                folded.lost_at, folded.nurtured_at, folded.submitted_at, folded.first_call_at,
                delivered, _seconds(created_at, delivered),
                first_call, submission, _step(first_call), _step(submission), folded.calls,
                folded.submissions, folded.pushbacks, folded.qualifier_id, amount, currency,
            )
        )  # fmt: skip
        decisions.extend(
            (
                decision.event_id, lead_id, program_id, created_at, day, decision.qualifier_id,
                decision.at, decision.approved, decision.reason,
            )
            for decision in folded.decisions
        )  # fmt: skip
        spans.extend(
            (
                lead_id, program_id, created_at, day, span.status, span.entered_at,
                span.left_at, span.seconds, _step(span.seconds),
            )
            for span in folded.spans
        )  # fmt: skip
        marks.extend(
            (lead_id, program_id, created_at, day, version, rating)
            for version, rating in folded.marks.items()
        )
    for model in (LeadFact, ReviewDecision, StatusSpan, RatingMark):  # the nurture rows below
        model.objects.filter(chosen.q("lead_id")).delete()
    rows_copy(LeadFact, FACT_COLUMNS, facts)
    rows_copy(ReviewDecision, DECISION_COLUMNS, decisions)
    rows_copy(StatusSpan, SPAN_COLUMNS, spans)
    rows_copy(RatingMark, MARK_COLUMNS, marks)
    registrations = registrations_fold(leads=chosen.q("lead_id"), outcomes=outcomes)
    return touched | _nurture_fold(chosen) | registrations


#: A response's kind → its column in ``TouchFact``.
_RESPONSE_COLUMNS = {
    EngagementKind.EMAIL_CLICK: "clicks",
    EngagementKind.REPLY: "replies",
    EngagementKind.PHONE: "phone",
    EngagementKind.FORM_FILL: "form_fills",
}


def _nurture_fold(chosen: _Leads) -> set[tuple[int, date]]:
    """Rewrite the leads' nurture rows (``TouchFact``, ``EnrollmentFact``): each touch with the
    responses that answer it (``core.reports.responses_attribute``), each enrollment with its
    re-qualification; the (program, day) pairs they were and are in."""
    touched = set(TouchFact.objects.filter(chosen.q("lead_id")).values_list("program_id", "day"))
    for program_id, entered, left in EnrollmentFact.objects.filter(chosen.q("lead_id")).values_list(
        "program_id", "entered_day", "left_day"
    ):
        touched.update((program_id, day) for day in (entered, left) if day is not None)
    sent = TouchSent.objects.filter(chosen.q("lead_id")).values_list(
        "id", "lead_id", "done_at", "skipped", "enrollment__sequence_id",
        "enrollment__sequence__program_id", "enrollment__sequence__program__client__timezone",
        "touch_id",
    )  # fmt: skip
    by_lead: dict[int, list[TouchDone]] = defaultdict(list)
    listed = []
    for touch_id, lead_id, done_at, skipped, sequence_id, program_id, zone, touch in sent:
        by_lead[lead_id].append(TouchDone(touch_id, done_at, bool(skipped)))
        listed.append((touch_id, lead_id, program_id, done_at, zone, sequence_id, touch, skipped))
    answers: dict[int, list[Response]] = defaultdict(list)
    for lead_id, kind, at, sent_id in Engagement.objects.filter(chosen.q("lead_id")).values_list(
        "lead_id", "kind", "at", "sent_id"
    ):
        answers[lead_id].append(Response(kind, at, sent_id))
    counted: dict[int, dict[str, int]] = {}
    for lead_id, touches in by_lead.items():
        counted.update(responses_attribute(touches, answers.get(lead_id, [])))
    touch_rows = []
    for touch_id, lead_id, program_id, done_at, zone, sequence_id, touch, skipped in listed:
        day = done_at.astimezone(_zone(zone)).date()
        touched.add((program_id, day))
        kinds = counted.get(touch_id, {})
        by_column = {column: kinds.get(kind, 0) for kind, column in _RESPONSE_COLUMNS.items()}
        touch_rows.append(
            (
                touch_id, lead_id, program_id, day, sequence_id, touch, bool(skipped),
                bool(kinds), by_column["clicks"], by_column["replies"], by_column["phone"],
                by_column["form_fills"],
            )
        )  # fmt: skip
    requalified: dict[int, list[datetime]] = defaultdict(list)
    for lead_id, at in LeadEvent.objects.filter(
        chosen.q("lead_id"), action=Action.REQUALIFY_FROM_NURTURE
    ).values_list("lead_id", "at"):
        requalified[lead_id].append(at)
    enrollment_rows = []
    for enrollment_id, lead_id, sequence_id, program_id, zone, entered, left, reason in (
        Enrollment.objects.filter(chosen.q("lead_id")).values_list(
            "id", "lead_id", "sequence_id", "sequence__program_id",
            "sequence__program__client__timezone", "entered_at", "left_at", "left_reason",
        )
    ):  # fmt: skip
        entered_day = entered.astimezone(_zone(zone)).date()
        left_day = None if left is None else left.astimezone(_zone(zone)).date()
        touched.update((program_id, day) for day in (entered_day, left_day) if day is not None)
        enrollment_rows.append(
            (
                enrollment_id, lead_id, program_id, sequence_id, entered_day, left_day,
                enrollment_requalified(entered, left, requalified.get(lead_id, [])),
                reason == LeaveReason.UNSUBSCRIBED,
            )
        )  # fmt: skip
    for model in (TouchFact, EnrollmentFact):
        model.objects.filter(chosen.q("lead_id")).delete()
    rows_copy(TouchFact, TOUCH_COLUMNS, touch_rows)
    rows_copy(EnrollmentFact, ENROLLMENT_COLUMNS, enrollment_rows)
    return touched


def facts_refresh(*, limit: int | None = None, chunk: int = CHUNK, wait: bool = True) -> int:
    """Fold the listed leads in (about ``limit`` listed rows at most; all when ``None``); how
    many rows were folded. With ``wait`` off, a refresh already running elsewhere makes
    this one return 0 at once (a report about to read does not queue behind a rebuild).
    Each chunk recomputes the rollups of the days its leads are in."""
    done = 0
    while limit is None or done < limit:
        size = chunk if limit is None else min(chunk, limit - done)
        with transaction.atomic():
            if not _lock(wait):
                return done
            row_ids, lead_ids = _claim(size)
            if not row_ids:
                break
            rollups_recompute(_fold(_Leads(ids=lead_ids)))
            PendingLead.objects.filter(id__in=row_ids).delete()
        done += len(row_ids)
    return done


def facts_pending() -> int:
    """Leads whose summary rows are behind their history."""
    return PendingLead.objects.count()


def facts_rebuild(*, chunk: int = REBUILD_CHUNK) -> int:
    """Recompute every summary row from the history; how many leads were folded.

    One transaction empties the tables and lists every lead (so that a rebuild cut short
    leaves its remaining leads to the periodic refresh); then the leads are folded in id
    ranges of ``chunk`` (no lists of ids), each range's listed rows going with it (a periodic
    refresh in between folds what it claims again, harmlessly), and at the end every rollup
    row is recomputed at once."""
    quote = connection.ops.quote_name
    pending = quote(PendingLead._meta.db_table)
    with transaction.atomic():
        _lock(wait=True)
        for model in (*ROLLUPS, *PER_LEAD):
            model.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {pending}")
            cursor.execute(
                f"INSERT INTO {pending} ({quote('lead_id')}) "
                f"SELECT {quote('id')} FROM {quote(Lead._meta.db_table)}"
            )
        listed = PendingLead.objects.aggregate(last=Max("id"))["last"] or 0
        bounds = Lead.objects.aggregate(low=Min("id"), high=Max("id"))
    folded = 0
    if bounds["low"] is not None:
        for low in range(bounds["low"], bounds["high"] + 1, chunk):
            chosen = _Leads(low=low, high=low + chunk)
            with transaction.atomic():
                _lock(wait=True)
                _fold(chosen)
                done, _ = PendingLead.objects.filter(chosen.q("lead_id"), id__lte=listed).delete()
                folded += done
    with transaction.atomic():
        _lock(wait=True)
        rollups_recompute()
    return folded

"""The summary tables, kept current from the leads' history (docs/REPORTS.md, "Summary
tables").

A lead whose history grows is listed in ``PendingLead`` inside the same transaction, one row
per write: a refresh can only see the row once the write committed, and then sees its history
too (a row shared between writes could be taken by a refresh while a later write is still
uncommitted, and that write would be missed). The refresh (the periodic job
``reports.refresh``, and every report before it reads) takes the one ``RefreshLock`` row, so
refreshes run one at a time, claims the oldest listed rows in chunks and rewrites their leads'
summary rows: one read of the chunk's leads, one of their history, one
of their won proposals, one upsert of the facts and one replace of each detail table, whatever
the chunk's size. What a lead's history means is ``core.reports.lead_fold``. The rebuild lists
every lead and refreshes them all: the tables are a pure function of the history.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum

from leadflow.core.reports import EventRow, lead_fold
from leadflow.leads.models import Lead, LeadEvent
from leadflow.reports.models import (
    LeadFact,
    PendingLead,
    RatingMark,
    RefreshLock,
    ReviewDecision,
    StatusSpan,
)
from leadflow.sales.models import Proposal, ProposalState

#: Leads folded per transaction.
CHUNK = 2_000
#: Leads listed per INSERT (well under the databases' bound-parameter limits).
PENDING_BATCH = 10_000
#: The history the reports read.
KINDS = ("created", "qualified", "status_changed", "call")

_FACT_FIELDS = [field.name for field in LeadFact._meta.concrete_fields if not field.primary_key]


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


def _events(lead_ids: Sequence[int]) -> dict[int, list[EventRow]]:
    rows = (
        LeadEvent.objects.filter(lead_id__in=lead_ids, kind__in=KINDS)
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


def _won(lead_ids: Sequence[int]) -> dict[int, tuple[Decimal, str]]:
    """Per lead, the amount of its won proposals (in the currency of the largest sum)."""
    sums = (
        Proposal.objects.filter(lead_id__in=lead_ids, state=ProposalState.WON)
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


def _fold(lead_ids: Sequence[int]) -> None:
    leads = Lead.objects.filter(pk__in=lead_ids).values_list(
        "id", "program_id", "program__client_id", "created_at", "channel", "campaign",
        "inquiry_type",
    )  # fmt: skip
    history = _events(lead_ids)
    won = _won(lead_ids)
    facts: list[LeadFact] = []
    decisions: list[ReviewDecision] = []
    spans: list[StatusSpan] = []
    marks: list[RatingMark] = []
    for lead_id, program_id, client_id, created_at, channel, campaign, inquiry in leads:
        folded = lead_fold(history.get(lead_id, []))
        amount, currency = won.get(lead_id, (None, ""))
        facts.append(
            LeadFact(
                lead_id=lead_id,
                program_id=program_id,
                client_id=client_id,
                created_at=created_at,
                channel=channel,
                campaign=campaign,
                inquiry_type=inquiry,
                rating=folded.rating,
                criteria_version=folded.criteria_version,
                status=folded.status or "new",
                status_since=folded.status_since or created_at,
                lead_at=folded.lead_at,
                opportunity_at=folded.opportunity_at,
                qualified_at=folded.qualified_at,
                approved_at=folded.approved_at,
                handed_off_at=folded.handed_off_at,
                won_at=folded.won_at,
                lost_at=folded.lost_at,
                nurtured_at=folded.nurtured_at,
                submitted_at=folded.submitted_at,
                first_call_at=folded.first_call_at,
                first_call_seconds=_seconds(created_at, folded.first_call_at),
                submission_seconds=_seconds(created_at, folded.submitted_at),
                calls=folded.calls,
                submissions=folded.submissions,
                pushbacks=folded.pushbacks,
                qualifier_id=folded.qualifier_id,
                won_amount=amount,
                won_currency=currency,
            )
        )
        decisions.extend(
            ReviewDecision(
                event_id=decision.event_id,
                lead_id=lead_id,
                program_id=program_id,
                lead_created_at=created_at,
                qualifier_id=decision.qualifier_id,
                decided_at=decision.at,
                approved=decision.approved,
                reason=decision.reason,
            )
            for decision in folded.decisions
        )
        spans.extend(
            StatusSpan(
                lead_id=lead_id,
                program_id=program_id,
                lead_created_at=created_at,
                status=span.status,
                entered_at=span.entered_at,
                left_at=span.left_at,
                seconds=span.seconds,
            )
            for span in folded.spans
        )
        marks.extend(
            RatingMark(
                lead_id=lead_id,
                program_id=program_id,
                lead_created_at=created_at,
                criteria_version=version,
                rating=rating,
            )
            for version, rating in folded.marks.items()
        )
    LeadFact.objects.bulk_create(
        facts, update_conflicts=True, unique_fields=["lead"], update_fields=_FACT_FIELDS
    )
    for model in (ReviewDecision, StatusSpan, RatingMark):
        model.objects.filter(lead_id__in=lead_ids).delete()
    ReviewDecision.objects.bulk_create(decisions, batch_size=5_000)
    StatusSpan.objects.bulk_create(spans, batch_size=5_000)
    RatingMark.objects.bulk_create(marks, batch_size=5_000)


def facts_refresh(*, limit: int | None = None, chunk: int = CHUNK, wait: bool = True) -> int:
    """Fold the listed leads in (about ``limit`` listed rows at most; all when ``None``); how
    many rows were folded. With ``wait`` off, a refresh already running elsewhere makes
    this one return 0 at once (a report about to read does not queue behind a rebuild)."""
    done = 0
    while limit is None or done < limit:
        size = chunk if limit is None else min(chunk, limit - done)
        with transaction.atomic():
            if not _lock(wait):
                return done
            row_ids, lead_ids = _claim(size)
            if not row_ids:
                break
            _fold(lead_ids)
            PendingLead.objects.filter(id__in=row_ids).delete()
        done += len(row_ids)
    return done


def facts_pending() -> int:
    """Leads whose summary rows are behind their history."""
    return PendingLead.objects.count()


def facts_rebuild() -> int:
    """Recompute every summary row from the history; how many leads were folded."""
    quote = connection.ops.quote_name
    with transaction.atomic():
        _lock(wait=True)
        for model in (RatingMark, StatusSpan, ReviewDecision, LeadFact):
            model.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {quote(PendingLead._meta.db_table)}")
            cursor.execute(
                f"INSERT INTO {quote(PendingLead._meta.db_table)} ({quote('lead_id')}) "
                f"SELECT {quote('id')} FROM {quote(Lead._meta.db_table)}"
            )
    return facts_refresh()

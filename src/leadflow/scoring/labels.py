"""Which leads have a known outcome, and whether it is positive (docs/SCORING.md, "Converted
and not converted, per hand-off mode").

- closed won (partner routing, and a won proposal closes the lead won): converted;
- delivered and kept past the dispute window with no upheld dispute (client delivery): converted;
- closed lost: not converted;
- disqualified after contact (a call was logged, or a partner recorded contact): not converted;
  a lead disqualified before anyone spoke to it says nothing about who converts;
- a delivered lead whose dispute was upheld: not converted.

Everything else (open, nurturing, delivered inside the window, dead file, disqualified
unseen) has no outcome yet and is never trained on. Each is one ``Q`` over ``Lead``, so a
count or a training read is one query.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.delivery.models import DeliveryItem
from leadflow.guarantees.models import Dispute, DisputeStatus, GuaranteeTerms
from leadflow.leads.models import CallLog, Lead, LeadEvent
from leadflow.programs.models import Program
from leadflow.scoring import conf

#: The plain-words name of each outcome, for the model page.
POSITIVE_TEXT = "closed won, or delivered and kept past the dispute window"
NEGATIVE_TEXT = "closed lost, disqualified after contact, or a dispute upheld"


def _upheld() -> Exists:
    return Exists(
        Dispute.objects.filter(delivery_item__lead=OuterRef("pk"), status=DisputeStatus.UPHELD)
    )


def _windows(*, programs: Iterable[Program]) -> dict[int | None, int]:
    """The dispute window in days of each program with guarantee terms, and under ``None``
    the setting's, for every other program (one query)."""
    found: dict[int | None, int] = dict(
        GuaranteeTerms.objects.filter(program__in=programs).values_list(
            "program_id", "dispute_window_days"
        )
    )
    found[None] = conf.dispute_window_days()
    return found


def _kept(now: datetime, windows: dict[int | None, int]) -> Q:
    """Delivered, still held by the client, past its program's dispute window, not upheld."""
    with_terms = [program_id for program_id in windows if program_id is not None]
    past = Q(pk__in=[])
    for program_id, days in windows.items():
        items = DeliveryItem.objects.filter(
            lead=OuterRef("pk"), delivery__created_at__lte=now - timedelta(days=days)
        )
        scope = ~Q(program_id__in=with_terms) if program_id is None else Q(program_id=program_id)
        past |= scope & Q(Exists(items))
    return Q(status=LeadStatus.DELIVERED) & past & ~Q(_upheld())


def _contacted() -> Q:
    return Q(Exists(CallLog.objects.filter(lead=OuterRef("pk")))) | Q(
        Exists(LeadEvent.objects.filter(lead=OuterRef("pk"), action=Action.RECORD_CONTACT))
    )


def positive(*, now: datetime, windows: dict[int | None, int]) -> Q:
    return Q(status=LeadStatus.CLOSED_WON) | _kept(now, windows)


def negative() -> Q:
    return (
        Q(status=LeadStatus.CLOSED_LOST)
        | (Q(status=LeadStatus.DISQUALIFIED) & _contacted())
        | (Q(status=LeadStatus.DELIVERED) & Q(_upheld()))
    )


def _leads(*, client_id: int, program_id: int | None) -> QuerySet[Lead]:
    leads = Lead.objects.filter(program__client_id=client_id)
    return leads if program_id is None else leads.filter(program_id=program_id)


def _programs(*, client_id: int, program_id: int | None) -> QuerySet[Program]:
    programs = Program.objects.filter(client_id=client_id)
    return programs if program_id is None else programs.filter(pk=program_id)


def outcomes_of(
    leads: QuerySet[Lead], *, programs: Iterable[Program], now: datetime
) -> QuerySet[Lead]:
    """Of ``leads`` (leads of ``programs``), those with a known outcome at ``now``, each
    annotated ``converted`` (True/False): what training learns from, and what the reports'
    "rules vs model" compares on (one query more: the programs' dispute windows)."""
    won = positive(now=now, windows=_windows(programs=programs))
    return leads.filter(won | negative()).annotate(
        converted=Case(
            When(won, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def leads_with_outcome(*, client_id: int, program_id: int | None, now: datetime) -> QuerySet[Lead]:
    """The leads of a client (or one of its programs) with a known outcome, each annotated
    ``converted`` (True/False)."""
    return outcomes_of(
        _leads(client_id=client_id, program_id=program_id),
        programs=_programs(client_id=client_id, program_id=program_id),
        now=now,
    )


def outcomes_count(
    *, client_id: int, program_id: int | None, now: datetime | None = None
) -> tuple[int, int]:
    """(positives, negatives) among a client's (or one program's) leads with a known outcome."""
    now = now or timezone.now()
    windows = _windows(programs=_programs(client_id=client_id, program_id=program_id))
    counts = _leads(client_id=client_id, program_id=program_id).aggregate(
        positives=Count("id", filter=positive(now=now, windows=windows)),
        negatives=Count("id", filter=negative()),
    )
    return int(counts["positives"] or 0), int(counts["negatives"] or 0)


def outcome_counts(*, program: Program, now: datetime | None = None) -> tuple[int, int]:
    """(positives, negatives) among the program's leads with a known outcome."""
    return outcomes_count(client_id=program.client_id, program_id=program.pk, now=now)

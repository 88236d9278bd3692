"""How a program's SLA policy and a partner's working calendar become the core's values.

Reads only; shared by the services (to set deadlines) and the selectors (to show clocks)."""

import dataclasses
import functools
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from leadflow.core.calendar import WorkingCalendar, working_calendar
from leadflow.core.errors import CalendarError
from leadflow.core.sla import DEFAULT_TERMS, SlaTerms, queue_limit, queue_limit_label
from leadflow.partners.models import Partner, RoutingQueueEntry, SlaPolicy
from leadflow.programs.models import Program

#: The SLA policy's columns, named as the core's ``SlaTerms`` fields.
SLA_TERMS_FIELDS = tuple(field.name for field in dataclasses.fields(SlaTerms))


def terms_from_policy(policy: SlaPolicy | None) -> SlaTerms:
    if policy is None:
        return DEFAULT_TERMS
    return SlaTerms(**{name: getattr(policy, name) for name in SLA_TERMS_FIELDS})


def program_terms(*, program_ids: Iterable[int]) -> dict[int, SlaTerms]:
    """Each program's SLA terms in one query; DESIGN.md's defaults for a program without one."""
    ids = set(program_ids)
    policies = {
        policy.program_id: policy for policy in SlaPolicy.objects.filter(program_id__in=ids)
    }
    return {program_id: terms_from_policy(policies.get(program_id)) for program_id in ids}


@dataclasses.dataclass(frozen=True)
class QueueWait:
    """How long a lead waiting in the routing queue may wait under its program's SLA policy."""

    until: datetime
    """After this it has waited too long: the program's managers are alerted."""
    limit: str
    """The limit for its rating in a few words ("4 hours", "1 working day")."""
    terms: SlaTerms


def queue_waits(entries: Sequence[RoutingQueueEntry]) -> dict[int, QueueWait]:
    """Each waiting lead's limit (by lead id), from its program's policy (the defaults without
    one), in one query; the entries come with their lead and program."""
    terms = program_terms(program_ids={entry.lead.program_id for entry in entries})
    zone = ZoneInfo(settings.TIME_ZONE)
    waits = {}
    for entry in entries:
        lead = entry.lead
        program_terms_ = terms[lead.program_id]
        until = queue_limit(
            queued_at=entry.queued_at,
            rating=lead.rating,
            terms=program_terms_,
            closed=closure_days(lead.program),
            zone=zone,
        )
        waits[entry.lead_id] = QueueWait(
            until, queue_limit_label(program_terms_, lead.rating), program_terms_
        )
    return waits


def closure_days(program: Program) -> frozenset[date]:
    try:
        return frozenset(date.fromisoformat(day) for day in program.closure_days or ())
    except (TypeError, ValueError) as exc:
        raise CalendarError(
            f"program {program.slug!r} has a closure day that is not a date: {exc}"
        ) from None


def partner_calendar(partner: Partner, program: Program) -> WorkingCalendar:
    """The partner's country, subdivision and timezone with the program's closure days."""
    return _calendar(partner.country, partner.subdivision, partner.timezone, closure_days(program))


@functools.lru_cache(maxsize=1024)
def _calendar(
    country: str, subdivision: str, timezone: str, closed: frozenset[date]
) -> WorkingCalendar:
    return working_calendar(
        country=country, subdivision=subdivision or None, timezone=timezone, closure_days=closed
    )

"""How a program's SLA policy and a partner's working calendar become the core's values.

Reads only; shared by the services (to set deadlines) and the selectors (to show clocks)."""

import functools
from collections.abc import Iterable
from datetime import date

from leadflow.core.calendar import WorkingCalendar, working_calendar
from leadflow.core.errors import CalendarError
from leadflow.core.sla import DEFAULT_TERMS, SlaTerms
from leadflow.partners.models import Partner, SlaPolicy
from leadflow.programs.models import Program


def terms_from_policy(policy: SlaPolicy | None) -> SlaTerms:
    if policy is None:
        return DEFAULT_TERMS
    return SlaTerms(
        claim_days=policy.claim_days,
        contact_days_hot=policy.contact_days_hot,
        contact_days_a=policy.contact_days_a,
        contact_days_b=policy.contact_days_b,
        followup_days=policy.followup_days,
        violation_threshold=policy.violation_threshold,
        violation_window_days=policy.violation_window_days,
    )


def program_terms(*, program_ids: Iterable[int]) -> dict[int, SlaTerms]:
    """Each program's SLA terms in one query; DESIGN.md's defaults for a program without one."""
    ids = set(program_ids)
    policies = {
        policy.program_id: policy for policy in SlaPolicy.objects.filter(program_id__in=ids)
    }
    return {program_id: terms_from_policy(policies.get(program_id)) for program_id in ids}


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

"""Which leads have a known outcome, and whether it is positive (see docs/SCORING.md)."""

from django.db.models import Q

from leadflow.core.lifecycle import LeadStatus
from leadflow.programs.models import Program

POSITIVE = Q(status=LeadStatus.CLOSED_WON)
NEGATIVE = Q(status__in=[LeadStatus.CLOSED_LOST, LeadStatus.DISQUALIFIED])


def outcome_counts(*, program: Program) -> tuple[int, int]:
    """(positives, negatives) among the program's leads with a known outcome."""
    from django.db.models import Count

    from leadflow.leads.models import Lead

    counts = Lead.objects.filter(program=program).aggregate(
        positives=Count("id", filter=POSITIVE), negatives=Count("id", filter=NEGATIVE)
    )
    return int(counts["positives"] or 0), int(counts["negatives"] or 0)

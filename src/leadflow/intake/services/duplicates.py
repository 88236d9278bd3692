"""Recording the possible duplicates that intake finds (DESIGN.md, Intake rules): a new lead that
resembles an existing one without a strong key (the core's ``assess`` says which and why) is
created, and the pair is written here for a person to decide (``intake.services.decisions``).

One function for a capture and for an import chunk, set-based: one query for the pairs already
known and one INSERT. A pair known in either order, whatever its status (open, merged, distinct),
is never proposed again.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Q

from leadflow.core.dedupe import Possible
from leadflow.intake.models import PossibleDuplicate
from leadflow.programs.models import Program


def possible_duplicate_record(
    *, program: Program, pairs: Sequence[tuple[int, Possible]], now: datetime
) -> list[PossibleDuplicate]:
    """Record each (new lead's id, ``Possible`` of an existing lead) as an open pair of the
    program, with the core's reason and score; returns the pairs written (new ones only)."""
    wanted: dict[tuple[int, int], Possible] = {}
    for lead_id, possible in pairs:
        if lead_id != possible.id:
            wanted.setdefault((lead_id, possible.id), possible)
    if not wanted:
        return []
    ids = {i for pair in wanted for i in pair}
    known = {
        frozenset(pair)
        for pair in PossibleDuplicate.objects.filter(
            Q(lead_id__in=ids) & Q(other_id__in=ids)
        ).values_list("lead_id", "other_id")
    }
    rows = []
    for (lead_id, other_id), possible in wanted.items():
        if frozenset((lead_id, other_id)) in known:
            continue
        known.add(frozenset((lead_id, other_id)))
        rows.append(
            PossibleDuplicate(
                program=program,
                lead_id=lead_id,
                other_id=other_id,
                reason=possible.reason[:300],
                score=float(possible.score),
                created_at=now,
            )
        )
    return PossibleDuplicate.objects.bulk_create(rows)

"""A person's decisions on possible duplicates: merge the two leads, or mark them as different
people (DESIGN.md, Intake rules: weaker likeness than a strong key is for a person to decide).

A decision is taken once: the pair is locked, and a pair no longer open is refused
(``DuplicateDecided``, 409) so that two people deciding at once cannot both merge. A pair marked
distinct stays in the table with its note, so intake (``intake.services.duplicates``, which
skips a pair known in either order) never proposes it again. Merging goes through the leads services
(``leads_merge_pair``), which write every value of both leads into the survivor's history.
"""

from collections.abc import Mapping
from datetime import datetime

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.core.errors import DomainRefused, InputError
from leadflow.core.lifecycle import Action, LeadStatus, allowed_actions
from leadflow.intake.models import DuplicateStatus, PossibleDuplicate
from leadflow.intake.selectors import duplicate_scope
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services import LeadStep, leads_transition
from leadflow.leads.services.pairs import leads_merge_pair

NOTE_MAX_LENGTH = 500


class DuplicateDecided(DomainRefused):
    """The pair was already decided (merged or marked distinct), or the user may not decide."""


def pair_sides(pair: PossibleDuplicate, survivor: int | None = None) -> tuple[Lead, Lead]:
    """The pair's (survivor, absorbed) leads: the lead given by id, or by default the existing
    (older) lead, which keeps its history and its place in the lifecycle, unless it is
    disqualified or only it can still be disqualified (the newer is past review)."""
    if survivor is not None:
        if survivor not in (pair.other_id, pair.lead_id):
            raise InputError("survivor", f"lead #{survivor} is not one of this pair's leads")
        keep_newer = survivor == pair.lead_id
    else:
        newer_stays = Action.DISQUALIFY not in allowed_actions(LeadStatus(pair.lead.status))
        keep_newer = pair.other.status == LeadStatus.DISQUALIFIED or (
            newer_stays and Action.DISQUALIFY in allowed_actions(LeadStatus(pair.other.status))
        )
    return (pair.lead, pair.other) if keep_newer else (pair.other, pair.lead)


def _locked(duplicate: PossibleDuplicate, user: User) -> PossibleDuplicate:
    if not user_can(user, Capability.DUPLICATES_DECIDE):
        raise DuplicateDecided("your role does not decide possible duplicates")
    pair = (
        duplicate_scope(user=user)
        .select_for_update(of=("self",))
        .select_related("lead", "other")
        .get(pk=duplicate.pk)
    )
    if pair.status != DuplicateStatus.OPEN:
        raise DuplicateDecided(
            f"possible duplicate #{pair.pk} was already decided: "
            f"{pair.get_status_display().lower()}"
        )
    return pair


def _decided(
    pair: PossibleDuplicate, status: DuplicateStatus, user: User, note: str, now: datetime
) -> None:
    pair.status = status
    pair.decided_by = user
    pair.decided_at = now
    pair.note = note
    pair.save(update_fields=["status", "decided_by", "decided_at", "note"])


@transaction.atomic
def duplicate_merge(
    *,
    duplicate: PossibleDuplicate,
    user: User,
    choices: Mapping[str, str],
    now: datetime,
    survivor: int | None = None,
) -> Lead:
    """Merge the pair's two leads as the person chose and return the surviving lead.

    The survivor is the lead given by id (one of the pair's two) or ``pair_sides``' choice.
    Raises ``DuplicateDecided`` for a pair already decided, ``InputError`` for a
    survivor that is not one of the pair, ``PairRefused`` when the lifecycle refuses."""
    pair = _locked(duplicate, user)
    kept, gone = pair_sides(pair, survivor)
    merged = leads_merge_pair(
        survivor=kept,
        absorbed=gone,
        choices=choices,
        actor=user,
        now=now,
        reason=f"possible duplicate #{pair.pk} ({pair.reason})",
    )
    _decided(pair, DuplicateStatus.MERGED, user, "", now)
    return merged


@transaction.atomic
def duplicate_distinct(
    *, duplicate: PossibleDuplicate, user: User, note: str, now: datetime
) -> PossibleDuplicate:
    """Mark the pair as two different people (with the person's note, if any); both leads'
    histories say so. Raises ``DuplicateDecided`` for a pair already decided."""
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise InputError("note", f"the note is longer than {NOTE_MAX_LENGTH} characters")
    pair = _locked(duplicate, user)
    _decided(pair, DuplicateStatus.DISTINCT, user, note, now)
    leads_transition(
        steps=[
            LeadStep(
                lead=lead,
                kind=EventKind.NOTE,
                event_action="not_duplicate",
                reason=f"not the same person as lead #{other.pk}" + (f": {note}" if note else ""),
                details={"possible_duplicate": pair.pk, "other": other.pk},
            )
            for lead, other in ((pair.lead, pair.other), (pair.other, pair.lead))
        ],
        actor=user,
        now=now,
    )
    return pair

"""Writes of the lead list page (issue 5): bulk actions and saved filters.

A bulk action works on the leads the caller picked, among those they may see. Every lead goes
through the same rules as one at a time (the lifecycle state machine for status changes, the
qualifier's scope for owners) and gets its own LeadEvent; a lead that cannot take the change is
skipped with the reason, and the others go ahead. The rows change with one UPDATE per action,
all in one transaction, so a failure leaves no lead half-moved.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from leadflow.accounts.models import Role, User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.core.errors import DomainError, InputError, InvalidTransition
from leadflow.core.lifecycle import CLOSED, Action, LeadStatus, next_status
from leadflow.leads.models import EventKind, Lead, SavedFilter
from leadflow.leads.services.history import event_build, event_record, events_record
from leadflow.leads.services.transitions import leads_move
from leadflow.programs.selectors import program_list


class BulkNotAllowed(DomainError):
    """The caller's role may not run this bulk action (a 403 at the web edge)."""


@dataclass(frozen=True)
class BulkAction:
    name: str
    label: str
    done_label: str
    capability: Capability
    action: Action | None = None


#: The bulk actions of the list and who may run them: owners are set by sales managers (who
#: plan the qualifiers' work); nurture and dead file also by marketing, which runs nurture.
BULK_ACTIONS = {
    action.name: action
    for action in (
        BulkAction("assign", "Assign to a qualifier", "assigned", Capability.LEADS_ASSIGN),
        BulkAction(
            "campaign", "Set the campaign", "moved to the campaign", Capability.LEADS_CAMPAIGN
        ),
        BulkAction(
            "nurture",
            "Move to nurture",
            "moved to nurture",
            Capability.LEADS_SET_ASIDE,
            Action.NURTURE,
        ),
        BulkAction(
            "dead_file",
            "Dead file",
            "moved to the dead file",
            Capability.LEADS_SET_ASIDE,
            Action.DEAD_FILE,
        ),
        BulkAction("export", "Export as CSV", "exported", Capability.LEADS_EXPORT),
    )
}


def bulk_actions_for(user: User) -> list[BulkAction]:
    return [action for action in BULK_ACTIONS.values() if user_can(user, action.capability)]


def _check_allowed(user: User, name: str) -> None:
    if not user_can(user, BULK_ACTIONS[name].capability):
        raise BulkNotAllowed(f"your role may not run “{BULK_ACTIONS[name].label}”")


@dataclass(frozen=True)
class BulkResult:
    """Which leads changed, and which were skipped with why."""

    done_label: str
    changed: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """ "3 moved to nurture, 2 skipped: a lead that is in_review cannot nurture"."""
        text = f"{len(self.changed)} {self.done_label}"
        if self.skipped:
            reasons = Counter(self.skipped.values())
            why = "; ".join(
                reason if count == 1 else f"{reason} ({count})"
                for reason, count in sorted(reasons.items())
            )
            text += f", {len(self.skipped)} skipped: {why}"
        return text


def _locked(leads: QuerySet[Lead]) -> list[Lead]:
    return list(Lead.objects.select_for_update().filter(pk__in=leads.values("pk")).order_by("id"))


@transaction.atomic
def leads_bulk_transition(
    *, leads: QuerySet[Lead], action: Action, actor: User, now: datetime, reason: str = ""
) -> BulkResult:
    """Move every lead along ``action`` (nurture, dead file) where the lifecycle allows it."""
    bulk = next(item for item in BULK_ACTIONS.values() if item.action == action)
    _check_allowed(actor, bulk.name)
    result = BulkResult(done_label=bulk.done_label)
    movable: list[Lead] = []
    for lead in _locked(leads):
        before = LeadStatus(lead.status)
        try:
            next_status(before, action, reason=reason)
        except InvalidTransition:
            verb = action.value.replace("_", " ")
            result.skipped[lead.pk] = f"a lead that is {before.value} cannot {verb}"
            continue
        movable.append(lead)
    leads_move(leads=movable, action=action, actor=actor, now=now, reason=reason)
    result.changed.extend(lead.pk for lead in movable)
    return result


@transaction.atomic
def leads_bulk_assign_owner(
    *, leads: QuerySet[Lead], owner: User, actor: User, now: datetime
) -> BulkResult:
    """Make ``owner`` the qualifier of every lead of a program they work.

    Skipped: leads of programs outside the owner's scope (they could not open them), closed
    leads (nothing left to qualify) and leads the owner already has.
    """
    _check_allowed(actor, "assign")
    if not owner.is_active or not owner.has_role(Role.QUALIFIER):
        raise BulkNotAllowed(f"{owner.get_username()} is not an active qualifier")
    owner_programs = set(program_list(user=owner).values_list("pk", flat=True))
    result = BulkResult(done_label=f"assigned to {owner.get_username()}")
    changed: list[tuple[Lead, int | None]] = []
    for lead in _locked(leads):
        if lead.program_id not in owner_programs:
            result.skipped[lead.pk] = f"{owner.get_username()} does not work that program"
        elif lead.status in CLOSED:
            result.skipped[lead.pk] = f"a lead that is {lead.status} cannot be assigned"
        elif lead.owner_id == owner.pk:
            result.skipped[lead.pk] = f"already assigned to {owner.get_username()}"
        else:
            changed.append((lead, lead.owner_id))
    if changed:
        Lead.objects.filter(pk__in=[lead.pk for lead, _ in changed]).update(
            owner=owner, updated_at=now
        )
    for lead, previous in changed:
        event_record(
            lead=lead,
            kind=EventKind.OWNER_CHANGED,
            action="assign_owner",
            actor=actor,
            now=now,
            before={"owner": previous},
            after={"owner": owner.pk},
        )
        result.changed.append(lead.pk)
    return result


CAMPAIGN_MAX = Lead._meta.get_field("campaign").max_length or 100


@transaction.atomic
def leads_bulk_set_campaign(
    *, leads: QuerySet[Lead], campaign: str, actor: User, now: datetime
) -> BulkResult:
    """Put every lead under the campaign code ``campaign`` (a correction of where the leads
    came from, read by the funnel by campaign); leads already under it are skipped."""
    _check_allowed(actor, "campaign")
    campaign = campaign.strip()
    if not campaign:
        raise InputError("campaign", "Type the campaign code to put the leads under.")
    if len(campaign) > CAMPAIGN_MAX:
        raise InputError("campaign", f"A campaign code has at most {CAMPAIGN_MAX} characters.")
    result = BulkResult(done_label=f"moved to the campaign {campaign}")
    changed: list[tuple[Lead, str]] = []
    for lead in _locked(leads):
        if lead.campaign == campaign:
            result.skipped[lead.pk] = f"already in the campaign {campaign}"
        else:
            changed.append((lead, lead.campaign))
    if changed:
        Lead.objects.filter(pk__in=[lead.pk for lead, _ in changed]).update(
            campaign=campaign, updated_at=now
        )
    events_record(
        [
            event_build(
                lead=lead,
                kind=EventKind.UPDATED,
                action="set_campaign",
                actor=actor,
                now=now,
                before={"campaign": previous},
                after={"campaign": campaign},
            )
            for lead, previous in changed
        ]
    )
    result.changed.extend(lead.pk for lead, _ in changed)
    return result


@transaction.atomic
def leads_bulk_export_record(*, leads: QuerySet[Lead], actor: User, now: datetime) -> list[int]:
    """Record in each lead's history that ``actor`` took it away in a CSV file (the contact
    data left LeadFlow); returns the ids, in order, for the file. Changes no lead."""
    _check_allowed(actor, "export")
    exported = list(leads.order_by("id").values_list("pk", flat=True))
    events_record(
        [
            event_build(lead_id=pk, kind=EventKind.EXPORTED, action="export", actor=actor, now=now)
            for pk in exported
        ]
    )
    return exported


#: Query-string keys a saved filter keeps (never the page number or unknown keys).
SAVED_KEYS = (
    "program",
    "status",
    "stage",
    "rating",
    "channel",
    "campaign",
    "owner",
    "created_from",
    "created_to",
    "q",
    "view",
    "sort",
)


def saved_filter_save(*, user: User, name: str, query: str) -> SavedFilter:
    """Save the list's current query under a name; saving a name again replaces its query."""
    saved, _ = SavedFilter.objects.update_or_create(
        user=user, name=name.strip(), defaults={"query": query}
    )
    return saved


def saved_filter_delete(*, saved: SavedFilter) -> None:
    saved.delete()

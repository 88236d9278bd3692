"""Qualification of stored leads: re-qualifying with the program's current criteria (one lead,
or a program's open leads in bulk after a new version is published), new answers, and
disqualification. A nurturing lead lifted to Hot, A or B leaves nurture for hand-off."""

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string

from leadflow.accounts.models import User
from leadflow.config import leads as extensions
from leadflow.core.enums import DisqualificationReason, Rating
from leadflow.core.errors import CriteriaError
from leadflow.core.handoff import leaves_nurture
from leadflow.core.lifecycle import OPEN_STATUSES, Action, LeadStatus
from leadflow.core.qualification import EngagementEvent, Qualification, parse_answers, qualify
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.services.history import event_build, event_record, events_record
from leadflow.leads.services.transitions import (
    LeadStep,
    lead_transition,
    leads_transition,
    lockable,
)
from leadflow.programs.models import Program
from leadflow.programs.selectors import PublishedCriteria, program_published_criteria

QUALIFICATION_FIELDS = (
    "bant_budget",
    "bant_authority",
    "bant_need",
    "bant_timeframe",
    "stage",
    "rating",
    "score",
)


#: The derived qualification columns, written together whenever a lead is (re-)qualified.
REQUALIFIED_FIELDS = (*QUALIFICATION_FIELDS, "explanation", "criteria_version", "qualified_at")


def answers_jsonable(answers: dict[str, object]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in answers.items()
    }


def qualification_snapshot(lead: Lead) -> dict[str, Any]:
    """The qualification as history shows it, naming the criteria version by its number."""
    snapshot = {name: getattr(lead, name) for name in QUALIFICATION_FIELDS}
    version = lead.criteria_version if lead.criteria_version_id else None
    snapshot["criteria_version"] = version.number if version else None
    return snapshot


def apply_qualification(
    lead: Lead, result: Qualification, published: PublishedCriteria, now: datetime
) -> None:
    lead.bant_budget = result.bant.budget
    lead.bant_authority = result.bant.authority
    lead.bant_need = result.bant.need
    lead.bant_timeframe = result.bant.timeframe
    lead.stage = result.stage.value
    lead.rating = result.rating.value if result.rating else None
    lead.score = result.score
    lead.explanation = list(result.explanation)
    lead.criteria_version = published.version
    lead.qualified_at = now


def lead_engagement(lead_ids: Collection[int]) -> dict[int, list[EngagementEvent]]:
    """The leads' engagement events (responses to nurture, which the apps above record and
    list in ``config/leads.py`` ``LEAD_ENGAGEMENT``), one query per source for all the leads:
    the point rules score them, decayed with the program's half-life."""
    found: dict[int, list[EngagementEvent]] = defaultdict(list)
    if not lead_ids:
        return found
    for path in extensions.LEAD_ENGAGEMENT:
        for lead_id, events in import_string(path)(lead_ids=lead_ids).items():
            found[lead_id].extend(events)
    return found


def lead_predictions(lead_ids: Collection[int], published: PublishedCriteria) -> dict[int, float]:
    """The leads' predicted chances of converting (0-1), which the apps above keep and list in
    ``config/leads.py`` ``LEAD_PREDICTIONS``, one query per source for all the leads, and none
    when the criteria have no prediction point rule."""
    found: dict[int, float] = {}
    if not lead_ids or not any(
        rule.source == "prediction" for rule in published.criteria.point_rules
    ):
        return found
    for path in extensions.LEAD_PREDICTIONS:
        for lead_id, probability in import_string(path)(lead_ids=lead_ids).items():
            found.setdefault(lead_id, probability)
    return found


def evaluate_qualification(
    lead: Lead,
    published: PublishedCriteria,
    now: datetime,
    engagement: Sequence[EngagementEvent] | None = None,
    predicted: float | None = None,
) -> Qualification:
    """The lead's qualification by the published criteria; ``engagement`` and ``predicted``
    (the chance of converting) are read for a saved lead unless the caller read them already
    (set-based callers read a batch's at once: ``lead_engagement``, ``lead_predictions``)."""
    if engagement is None:
        engagement = lead_engagement([lead.pk]).get(lead.pk, []) if lead.pk else []
        predicted = lead_predictions([lead.pk], published).get(lead.pk) if lead.pk else None
    answers = parse_answers(published.criteria, lead.answers)
    return qualify(
        published.criteria,
        answers,
        engagement=engagement,
        profile=lead.profile,
        disqualified=DisqualificationReason(lead.disqualification)
        if lead.disqualification
        else None,
        now=now,
        criteria_version=published.number,
        predicted=predicted,
    )


def requalified(
    lead: Lead,
    published: PublishedCriteria,
    actor: User | None,
    now: datetime,
    engagement: Sequence[EngagementEvent] | None = None,
    predicted: float | None = None,
) -> LeadEvent:
    """Qualify the lead in memory; the unsaved ``qualified`` event records the version used."""
    before = qualification_snapshot(lead)
    result = evaluate_qualification(lead, published, now, engagement, predicted)
    apply_qualification(lead, result, published, now)
    return event_build(
        lead=lead,
        kind=EventKind.QUALIFIED,
        actor=actor,
        now=now,
        before=before,
        after=qualification_snapshot(lead),
        reason=f"criteria version {published.number}",
    )


@transaction.atomic
def lead_disqualify(
    *,
    lead: Lead,
    reason: DisqualificationReason,
    note: str = "",
    actor: User | None,
    now: datetime,
) -> Lead:
    """Disqualify (wrong fit, competitor, student, bad data, no interest): no rating."""
    lead = lead_transition(
        lead=lead,
        action=Action.DISQUALIFY,
        actor=actor,
        now=now,
        reason=f"{reason.value}: {note}" if note else reason.value,
        fields={"disqualification": reason.value},
    )
    return lead_requalify(lead=lead, actor=actor, now=now)


@transaction.atomic
def lead_requalify(
    *,
    lead: Lead,
    actor: User | None,
    now: datetime,
    published: PublishedCriteria | None = None,
) -> Lead:
    """Qualify again with the program's current (or the given) criteria version and record
    which version was used and what changed."""
    lead = lockable().get(pk=lead.pk)
    published = published or program_published_criteria(program=lead.program)
    event = requalified(lead, published, actor, now)
    lead.updated_at = now
    lead.save()
    event.save()
    leave_nurture([event], actor, now)
    return lockable().get(pk=lead.pk)


@transaction.atomic
def lead_update_answers(
    *,
    lead: Lead,
    answers: dict[str, Any] | None = None,
    profile: dict[str, Any] | None = None,
    actor: User | None,
    now: datetime,
) -> Lead:
    """Record new answers and profile attributes (merged over the old), then re-qualify."""
    if answers is None and profile is None:
        return lead
    lead = lockable().get(pk=lead.pk)
    published = program_published_criteria(program=lead.program)
    before = {"answers": dict(lead.answers), "profile": dict(lead.profile)}
    if answers is not None:
        merged = {**lead.answers, **answers}
        lead.answers = answers_jsonable(parse_answers(published.criteria, merged))
    if profile is not None:
        lead.profile = {**lead.profile, **profile}
    lead.updated_at = now
    lead.save(update_fields=["answers", "profile", "updated_at"])
    event_record(
        lead=lead,
        kind=EventKind.UPDATED,
        actor=actor,
        now=now,
        before=before,
        after={"answers": lead.answers, "profile": lead.profile},
    )
    return lead_requalify(lead=lead, actor=actor, now=now, published=published)


def leave_nurture(events: Sequence[LeadEvent], actor: User | None, now: datetime) -> None:
    """Nurturing leads whose re-qualification (their ``qualified`` events) lifted them to Hot,
    A or B go straight to hand-off (``requalify_from_nurture``, which announces them as
    approved). The leads are locked by the caller."""
    leads_transition(
        steps=[
            LeadStep(
                lead=event.lead,
                action=Action.REQUALIFY_FROM_NURTURE,
                reason=f"re-qualified as {Rating(str(event.lead.rating)).label}",
            )
            for event in events
            if event.lead.status == LeadStatus.NURTURING
            and leaves_nurture(rating=event.lead.rating, rating_before=event.before.get("rating"))
        ],
        actor=actor,
        now=now,
    )


def leads_requalify_bulk(
    *,
    program: Program,
    actor: User | None,
    now: datetime,
    statuses: Sequence[LeadStatus] = OPEN_STATUSES,
    published: PublishedCriteria | None = None,
    batch_size: int = 1000,
) -> int:
    """Re-qualify a program's open leads with its current criteria, a batch per transaction:
    one UPDATE per changed column set and one INSERT of ``qualified`` events per batch.
    Returns how many leads were re-qualified. Leads whose answers the new version no longer
    accepts keep their old qualification and are left for a person to fix."""
    published = published or program_published_criteria(program=program)
    ids = list(
        Lead.objects.filter(program=program, status__in=statuses)
        .exclude(criteria_version=published.version)
        .order_by("id")
        .values_list("id", flat=True)
    )
    done = 0
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            batch = list(
                lockable()
                .filter(pk__in=ids[start : start + batch_size], status__in=statuses)
                .order_by("id")
            )
            events = []
            engagement = lead_engagement([lead.pk for lead in batch])
            predicted = lead_predictions([lead.pk for lead in batch], published)
            for lead in batch:
                try:
                    events.append(
                        requalified(
                            lead,
                            published,
                            actor,
                            now,
                            engagement.get(lead.pk, []),
                            predicted.get(lead.pk),
                        )
                    )
                except CriteriaError:
                    continue
                lead.updated_at = now
            changed = [event.lead for event in events]
            Lead.objects.bulk_update(
                changed, [*REQUALIFIED_FIELDS, "updated_at"], batch_size=batch_size
            )
            events_record(events)
            leave_nurture(events, actor, now)
            done += len(changed)
    return done

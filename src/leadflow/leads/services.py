"""Every write to a lead. Each function locks the row, checks the change against the core,
saves, and writes the LeadEvent in one transaction."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from leadflow.accounts.models import User
from leadflow.core.enums import Channel, DisqualificationReason, InquiryType, Rating
from leadflow.core.errors import CriteriaError
from leadflow.core.lifecycle import Action, LeadStatus, next_status
from leadflow.core.qualification import Qualification, parse_answers, qualify
from leadflow.leads.handoff import leads_approved
from leadflow.leads.models import EventKind, Lead, LeadEvent
from leadflow.leads.rows import rows_insert, rows_update
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


@dataclass
class LeadInput:
    """The facts of an inquiry as captured, already normalised by the intake."""

    first_name: str = ""
    last_name: str = ""
    title: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""
    website: str = ""
    company_size: str = ""
    industry: str = ""
    country: str = ""
    subdivision: str = ""
    postal_code: str = ""
    domain: str = ""
    company_key: str = ""
    person_key: str = ""
    channel: Channel = Channel.WEB
    campaign: str = ""
    inquiry_type: InquiryType = InquiryType.INFORMATION_REQUEST
    external_id: str | None = None
    profile: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)


def _jsonable(answers: dict[str, object]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in answers.items()
    }


def _qualification_snapshot(lead: Lead) -> dict[str, Any]:
    """The qualification as history shows it, naming the criteria version by its number."""
    snapshot = {name: getattr(lead, name) for name in QUALIFICATION_FIELDS}
    version = lead.criteria_version if lead.criteria_version_id else None
    snapshot["criteria_version"] = version.number if version else None
    return snapshot


def _apply(lead: Lead, result: Qualification, published: PublishedCriteria, now: datetime) -> None:
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


def _evaluate(lead: Lead, published: PublishedCriteria, now: datetime) -> Qualification:
    answers = parse_answers(published.criteria, lead.answers)
    return qualify(
        published.criteria,
        answers,
        profile=lead.profile,
        disqualified=DisqualificationReason(lead.disqualification)
        if lead.disqualification
        else None,
        now=now,
        criteria_version=published.number,
    )


def event_record(
    *,
    lead: Lead,
    kind: EventKind,
    actor: User | None,
    now: datetime,
    action: str = "",
    from_status: str = "",
    to_status: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> LeadEvent:
    return LeadEvent.objects.create(
        lead=lead,
        kind=kind,
        action=action,
        actor=actor,
        at=now,
        from_status=from_status,
        to_status=to_status,
        before=before or {},
        after=after or {},
        reason=reason,
    )


@transaction.atomic
def lead_create(
    *,
    program: Program,
    data: LeadInput,
    actor: User | None,
    now: datetime,
    published: PublishedCriteria | None = None,
) -> Lead:
    """Capture an inquiry: validate its answers against the program's published criteria,
    qualify it, and record the ``created`` event with everything that came in."""
    (lead,) = leads_create_bulk(
        program=program, items=[data], actor=actor, now=now, published=published
    )
    return lead


def _build(program: Program, data: LeadInput, answers: dict[str, Any], now: datetime) -> Lead:
    return Lead(
        program=program,
        status=LeadStatus.NEW,
        first_name=data.first_name,
        last_name=data.last_name,
        title=data.title,
        email=data.email,
        phone=data.phone,
        company=data.company,
        website=data.website,
        company_size=data.company_size,
        industry=data.industry,
        country=data.country,
        subdivision=data.subdivision,
        postal_code=data.postal_code,
        domain=data.domain,
        company_key=data.company_key,
        person_key=data.person_key,
        channel=data.channel,
        campaign=data.campaign,
        inquiry_type=data.inquiry_type,
        external_id=data.external_id,
        profile=dict(data.profile),
        answers=answers,
        created_at=now,
        updated_at=now,
    )


def _created_snapshot(lead: Lead) -> dict[str, Any]:
    return {
        "channel": lead.channel,
        "campaign": lead.campaign,
        "answers": lead.answers,
        "profile": lead.profile,
        **_qualification_snapshot(lead),
    }


@transaction.atomic
def leads_create_bulk(
    *,
    program: Program,
    items: Sequence[LeadInput],
    actor: User | None,
    now: datetime,
    published: PublishedCriteria | None = None,
) -> list[Lead]:
    """Capture many inquiries at once (imports): the same checks and ``created`` events as
    ``lead_create``, written with one INSERT per batch instead of one per lead."""
    published = published or program_published_criteria(program=program)
    leads = []
    for data in items:
        lead = _build(
            program, data, _jsonable(parse_answers(published.criteria, data.answers)), now
        )
        _apply(lead, _evaluate(lead, published, now), published, now)
        leads.append(lead)
    rows_insert(leads)
    rows_insert(
        [
            LeadEvent(
                lead=lead,
                kind=EventKind.CREATED,
                actor=actor,
                at=now,
                to_status=lead.status,
                after=_created_snapshot(lead),
            )
            for lead in leads
        ]
    )
    return leads


def _locked(lead: Lead) -> Lead:
    return _lockable().get(pk=lead.pk)


def _lockable() -> QuerySet[Lead]:
    """Leads locked for a write, with the criteria version their history names."""
    return Lead.objects.select_related("criteria_version").select_for_update(of=("self",))


@transaction.atomic
def lead_transition(
    *,
    lead: Lead,
    action: Action,
    actor: User | None,
    now: datetime,
    reason: str = "",
) -> Lead:
    """Move a lead along one edge of the lifecycle state machine, or raise InvalidTransition."""
    lead = _locked(lead)
    before = LeadStatus(lead.status)
    after = next_status(before, action, reason=reason)
    lead.status = after
    lead.updated_at = now
    lead.save(update_fields=["status", "updated_at"])
    status_changed_event(
        lead=lead, action=action, before=before, after=after, actor=actor, now=now, reason=reason
    ).save()
    return lead


def leads_move(
    *, leads: Sequence[Lead], action: Action, actor: User | None, now: datetime, reason: str
) -> None:
    """Move many locked leads along one lifecycle edge (batches, batch approval): each is
    checked by the core state machine, then one UPDATE for all and one INSERT of their
    ``status_changed`` events. The caller holds the leads' locks in its transaction."""
    if not leads:
        return
    moves = [(lead, LeadStatus(lead.status)) for lead in leads]
    targets = {next_status(before, action, reason=reason) for _, before in moves}
    (after,) = targets
    Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(status=after, updated_at=now)
    events: list[LeadEvent] = []
    for lead, before in moves:
        lead.status = after
        lead.updated_at = now
        events.append(
            status_changed_event(
                lead=lead,
                action=action,
                before=before,
                after=after,
                actor=actor,
                now=now,
                reason=reason,
            )
        )
    rows_insert(events)


def status_changed_event(
    *,
    lead: Lead,
    action: Action,
    before: LeadStatus,
    after: LeadStatus,
    actor: User | None,
    now: datetime,
    reason: str = "",
) -> LeadEvent:
    """The (unsaved) history entry of one lifecycle step, for single and bulk transitions."""
    return LeadEvent(
        lead=lead,
        kind=EventKind.STATUS_CHANGED,
        action=action,
        actor=actor,
        at=now,
        from_status=before,
        to_status=after,
        before={"status": before.value},
        after={"status": after.value},
        reason=reason,
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
    )
    lead.disqualification = reason.value
    lead.save(update_fields=["disqualification"])
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
    lead = _locked(lead)
    published = published or program_published_criteria(program=lead.program)
    event = _requalified(lead, published, actor, now)
    lead.updated_at = now
    lead.save()
    event.save()
    _leave_nurture([event], actor, now)
    return _locked(lead)


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
    lead = _locked(lead)
    published = program_published_criteria(program=lead.program)
    before = {"answers": dict(lead.answers), "profile": dict(lead.profile)}
    if answers is not None:
        merged = {**lead.answers, **answers}
        lead.answers = _jsonable(parse_answers(published.criteria, merged))
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


#: Contact and company fields a merge may fill in when the existing lead has them blank.
MERGE_FILLABLE = (
    "first_name",
    "last_name",
    "title",
    "email",
    "phone",
    "company",
    "website",
    "company_size",
    "industry",
    "country",
    "subdivision",
    "postal_code",
    "domain",
    "company_key",
    "person_key",
    "campaign",
    "external_id",
)


#: The derived qualification columns, written together whenever a lead is (re-)qualified.
REQUALIFIED_FIELDS = (
    "bant_budget",
    "bant_authority",
    "bant_need",
    "bant_timeframe",
    "stage",
    "rating",
    "score",
    "explanation",
    "criteria_version",
    "qualified_at",
)
MERGE_UPDATE_FIELDS = (*MERGE_FILLABLE, "answers", "profile", "updated_at", *REQUALIFIED_FIELDS)


@transaction.atomic
def lead_merge(
    *,
    lead: Lead,
    data: LeadInput,
    match: str,
    actor: User | None,
    now: datetime,
    published: PublishedCriteria | None = None,
) -> Lead:
    """Merge a new inquiry into the existing lead it matched (intake de-duplication).

    The existing lead keeps its contact and company values and gains those it lacked; new
    answers and profile attributes are added (a new answer to the same question replaces the
    old one, being the more recent); the lead is re-qualified. The ``merged`` event keeps
    everything that came in, so nothing of the second inquiry is lost.
    """
    lead = _locked(lead)
    published = published or program_published_criteria(program=lead.program)
    merged = _merge_into(lead, data, match, published, actor, now)
    qualified = _requalified(lead, published, actor, now)
    lead.save()
    LeadEvent.objects.bulk_create([merged, qualified])
    _leave_nurture([qualified], actor, now)
    return _locked(lead)


@transaction.atomic
def leads_merge_bulk(
    *,
    items: Sequence[tuple[int, LeadInput, str]],
    actor: User | None,
    now: datetime,
    published: PublishedCriteria,
) -> int:
    """``lead_merge`` for many inquiries at once (imports): ``items`` are (lead id, inquiry,
    why it matched), applied in order, so a lead matched twice takes both. One locked read,
    one bulk UPDATE and one INSERT of events instead of six queries per inquiry."""
    leads = _lockable().in_bulk({lead_id for lead_id, _, _ in items})
    events = [
        _merge_into(leads[lead_id], data, match, published, actor, now)
        for lead_id, data, match in items
    ]
    touched = {lead_id: leads[lead_id] for lead_id, _, _ in items}
    qualified = [_requalified(lead, published, actor, now) for lead in touched.values()]
    rows_update(list(touched.values()), MERGE_UPDATE_FIELDS)
    rows_insert([*events, *qualified])
    _leave_nurture(qualified, actor, now)
    return len(items)


def _merge_into(
    lead: Lead,
    data: LeadInput,
    match: str,
    published: PublishedCriteria,
    actor: User | None,
    now: datetime,
) -> LeadEvent:
    """Apply an inquiry to the lead in memory; the unsaved ``merged`` event says what changed."""
    incoming_answers = _jsonable(parse_answers(published.criteria, data.answers))
    before: dict[str, Any] = {}
    changed: dict[str, Any] = {}
    for name in MERGE_FILLABLE:
        value = getattr(data, name)
        if value and not getattr(lead, name):
            before[name] = getattr(lead, name)
            changed[name] = value
            setattr(lead, name, value)
    if incoming_answers:
        before["answers"] = dict(lead.answers)
        lead.answers = {**lead.answers, **incoming_answers}
        changed["answers"] = lead.answers
    if data.profile:
        before["profile"] = dict(lead.profile)
        lead.profile = {**lead.profile, **data.profile}
        changed["profile"] = lead.profile
    lead.updated_at = now
    incoming = {
        name: getattr(data, name)
        for name in (*MERGE_FILLABLE, "channel", "inquiry_type")
        if getattr(data, name)
    }
    return LeadEvent(
        lead=lead,
        kind=EventKind.MERGED,
        actor=actor,
        at=now,
        before=before,
        after={
            "incoming": {**incoming, "answers": incoming_answers, "profile": data.profile},
            "changed": changed,
        },
        reason=match,
    )


def _requalified(
    lead: Lead, published: PublishedCriteria, actor: User | None, now: datetime
) -> LeadEvent:
    """Qualify the lead in memory; the unsaved ``qualified`` event records the version used."""
    before = _qualification_snapshot(lead)
    _apply(lead, _evaluate(lead, published, now), published, now)
    return LeadEvent(
        lead=lead,
        kind=EventKind.QUALIFIED,
        actor=actor,
        at=now,
        before=before,
        after=_qualification_snapshot(lead),
        reason=f"criteria version {published.number}",
    )


#: Ratings with which a nurturing lead goes straight to hand-off (DESIGN.md, Lifecycle).
NURTURE_EXIT_RATINGS = frozenset({Rating.HOT, Rating.A, Rating.B})


def _leave_nurture(events: Sequence[LeadEvent], actor: User | None, now: datetime) -> None:
    """Nurturing leads whose re-qualification (their ``qualified`` events) lifted them to Hot,
    A or B go straight to hand-off: approved (``requalify_from_nurture``), then handed off by
    their program's mode once the transaction commits. A lead that already rated Hot, A or B
    when it was sent to nurture (not interested for now) stays until a person reopens it."""
    leaving = [
        event.lead
        for event in events
        if event.lead.status == LeadStatus.NURTURING
        and event.lead.rating in NURTURE_EXIT_RATINGS
        and event.before.get("rating") not in NURTURE_EXIT_RATINGS
    ]
    for lead in leaving:
        lead_transition(
            lead=lead,
            action=Action.REQUALIFY_FROM_NURTURE,
            actor=actor,
            now=now,
            reason=f"re-qualified as {Rating(str(lead.rating)).label}",
        )
    if leaving:
        leads_approved(lead_ids=[lead.pk for lead in leaving], now=now)


#: Statuses whose leads are still being worked, and so follow a newly published criteria version.
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.QUALIFYING, LeadStatus.IN_REVIEW, LeadStatus.NURTURING)


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
                _lockable()
                .filter(pk__in=ids[start : start + batch_size], status__in=statuses)
                .order_by("id")
            )
            events = []
            for lead in batch:
                try:
                    events.append(_requalified(lead, published, actor, now))
                except CriteriaError:
                    continue
                lead.updated_at = now
            changed = [event.lead for event in events]
            Lead.objects.bulk_update(
                changed, [*REQUALIFIED_FIELDS, "updated_at"], batch_size=batch_size
            )
            LeadEvent.objects.bulk_create(events, batch_size=batch_size)
            _leave_nurture(events, actor, now)
            done += len(changed)
    return done

"""Reads of partners and their leads, always starting from what the caller may see.

A partner's user sees exactly the leads with an active assignment to its partner; a lead taken
away (declined, reassigned, clock missed) does not exist for it any more (404 everywhere)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils.text import slugify

from leadflow.accounts.models import Role, User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.core.routing import AGENCY, TerritoryRule, ineligibility, territories_text
from leadflow.core.sla import (
    DEFAULT_TERMS,
    AssignmentTimes,
    Clock,
    clocks,
    violation_window_start,
)
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_scope
from leadflow.partners.models import (
    Assignment,
    Decline,
    FlowChange,
    Partner,
    PartnerLevels,
    PartnerMember,
    Registration,
    RegistrationStatus,
    RoutingQueueEntry,
    Violation,
    default_certification_levels,
    default_program_levels,
)
from leadflow.partners.policies import QueueWait, partner_calendar, queue_waits
from leadflow.programs.administration.selectors import user_admin_list
from leadflow.programs.models import Client, HandOffMode, Program
from leadflow.programs.selectors import program_list

#: The window of the record's counts (received, claimed, declined, violations).
RECORD_WINDOW_DAYS = 90


def partner_for_user(*, user: User) -> Partner | None:
    """The active partner the user works for, or None."""
    if not user.is_authenticated or not user.is_active:
        return None
    membership = (
        PartnerMember.objects.select_related("partner")
        .filter(user=user, partner__is_active=True)
        .first()
    )
    return membership.partner if membership else None


def _next_due() -> Case:
    """The deadline a partner's user should look at first: claim, then contact, then follow-up."""
    return Case(
        When(outcome__gt="", then=None),
        # Unclaimed, the earlier of claim and first contact (a Hot lead's contact comes first).
        When(claimed_at__isnull=True, then=Least(F("claim_due"), F("contact_due"))),
        When(contacted_at__isnull=True, then=F("contact_due")),
        default=F("followup_due"),
        output_field=DateTimeField(),
    )


def partner_inbox(*, user: User) -> QuerySet[Assignment]:
    """The active assignments of the user's partner with their leads: open ones first by the
    nearest deadline, then the closed (won or lost) ones, most recently closed first."""
    partner = partner_for_user(user=user)
    if partner is None:
        return Assignment.objects.none()
    return (
        Assignment.objects.active()
        .filter(partner=partner)
        .select_related("lead", "lead__program", "partner")
        .annotate(due_next=_next_due())
        .order_by(F("due_next").asc(nulls_last=True), F("closed_at").desc(nulls_last=True), "id")
    )


def partner_assignment_get(*, user: User, lead_id: int) -> Assignment:
    """The active assignment of the lead to the user's partner; Assignment.DoesNotExist (a 404)
    when the lead is not the partner's now."""
    partner = partner_for_user(user=user)
    if partner is None:
        raise Assignment.DoesNotExist("the user works for no partner")
    return (
        Assignment.objects.active()
        .select_related("lead", "lead__program", "partner")
        .get(lead_id=lead_id, partner=partner)
    )


def partner_list(*, user: User) -> QuerySet[Partner]:
    """Partners the user may see: admins all; sales managers those of the clients of their
    scope and those they manage; a partner's user its own partner."""
    partners = Partner.objects.select_related("client", "manager")
    if user.sees_everything:
        return partners
    visible = Q(pk__in=[])
    if user_can(user, Capability.PARTNERS_MANAGE):
        clients = program_list(user=user).values("client_id")
        visible |= Q(client_id__in=clients) | Q(manager=user)
    own = partner_for_user(user=user)
    if own is not None:
        visible |= Q(pk=own.pk)
    return partners.filter(visible)


def partner_get(*, user: User, partner_id: int) -> Partner:
    return partner_list(user=user).get(pk=partner_id)


def may_manage(*, user: User, partner: Partner) -> bool:
    """Admins, the client's sales managers and the partner's own manager may re-enable it."""
    if user.sees_everything or partner.manager_id == user.pk:
        return True
    manages = user_can(user, Capability.PARTNERS_MANAGE)
    return manages and partner_list(user=user).filter(pk=partner.pk).exists()


@dataclass(frozen=True)
class PartnerRecord:
    """A partner's SLA record as the portal and the managers' pages show it."""

    partner: Partner
    open_leads: int
    capacity: int
    received: int
    claimed: int
    declined: int
    violations_in_window: int
    """Counted as the sweep counts them (with DESIGN.md's default 90-day window): violations
    since the window's start or the last re-enabling, whichever is later."""
    violations: tuple[Violation, ...]
    """Violations of the last RECORD_WINDOW_DAYS days, most recent first."""
    declines: tuple[Decline, ...]
    flow_enabled: bool
    flow_changes: tuple[FlowChange, ...]
    window_days: int = RECORD_WINDOW_DAYS

    @property
    def at_capacity(self) -> bool:
        return self.open_leads >= self.capacity


def partner_record(*, partner: Partner, now: datetime) -> PartnerRecord:
    """The partner's counts over the last RECORD_WINDOW_DAYS days, its violations and
    declines, and the history of its lead flow."""
    since = now - timedelta(days=RECORD_WINDOW_DAYS)
    received = Assignment.objects.filter(partner=partner, assigned_at__gte=since)
    violations = tuple(
        partner.violations.filter(detected_at__gte=since).select_related("lead", "assignment")
    )
    counted_from = violation_window_start(
        now=now, terms=DEFAULT_TERMS, flow_enabled_at=partner.flow_enabled_at
    )
    declines = tuple(partner.declines.filter(at__gte=since).select_related("by", "assignment"))
    return PartnerRecord(
        partner=partner,
        open_leads=Assignment.objects.open().filter(partner=partner).count(),
        capacity=partner.capacity,
        received=received.count(),
        claimed=received.filter(claimed_at__isnull=False).count(),
        declined=len(declines),
        violations_in_window=sum(1 for v in violations if v.detected_at >= counted_from),
        violations=violations,
        declines=declines,
        flow_enabled=partner.flow_enabled,
        flow_changes=tuple(partner.flow_changes.select_related("by")),
    )


def assignment_times(assignment: Assignment) -> AssignmentTimes:
    return AssignmentTimes(
        claim_due=assignment.claim_due,
        contact_due=assignment.contact_due,
        followup_due=assignment.followup_due,
        claimed_at=assignment.claimed_at,
        contacted_at=assignment.contacted_at,
        outcome_at=assignment.closed_at,
        ended_at=assignment.ended_at,
    )


def lead_clocks(*, assignment: Assignment, now: datetime) -> list[Clock]:
    """The claim, first-contact and follow-up clocks of an assignment: deadline, when met, state
    (met, ok, due soon, missed, waiting, stopped), time and working days left."""
    cal = partner_calendar(assignment.partner, assignment.lead.program)
    return clocks(assignment_times(assignment), now, cal)


def lead_assignments(*, lead: Lead) -> QuerySet[Assignment]:
    """Every assignment of a lead, newest first (staff views of a lead's hand-off history;
    the caller has already found the lead through ``lead_scope``)."""
    return (
        Assignment.objects.filter(lead=lead)
        .select_related("partner", "claimed_by")
        .order_by("-assigned_at", "-id")
    )


def routing_queue(*, user: User) -> QuerySet[RoutingQueueEntry]:
    """The leads waiting for a partner, in the order they will be routed, for staff."""
    programs = program_list(user=user)
    return (
        RoutingQueueEntry.objects.filter(lead__program__in=programs)
        .select_related("lead", "lead__program")
        .order_by("rating_rank", "queued_at", "id")
    )


def _count(queryset: QuerySet[Assignment] | QuerySet[Violation]) -> Coalesce:
    """A correlated count (one per partner row, no join fan-out between two counts)."""
    counted = queryset.order_by().values("partner_id").annotate(total=Count("pk")).values("total")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def partner_rows(*, user: User, now: datetime) -> QuerySet[Partner]:
    """The partners in the user's scope with ``open_leads`` and ``violations_in_window``
    (counted as the record counts them: since the default window's start or the partner's
    last re-enabling, whichever is later), flow-disabled partners first."""
    since = now - timedelta(days=DEFAULT_TERMS.violation_window_days)
    own = Q(partner_id=OuterRef("pk"))
    open_leads = Assignment.objects.open().filter(own)
    violations = Violation.objects.filter(
        own,
        Q(detected_at__gte=since)
        & (
            Q(partner__flow_enabled_at__isnull=True)
            | Q(detected_at__gte=F("partner__flow_enabled_at"))
        ),
    )
    return (
        partner_list(user=user)
        .annotate(open_leads=_count(open_leads), violations_in_window=_count(violations))
        .order_by("flow_enabled", "client__name", "name", "id")
    )


def partner_held_leads(*, user: User, partner: Partner) -> QuerySet[Assignment]:
    """The partner's active assignments of leads the user may see, oldest first (open and
    closed: ``partner_open_leads`` and ``partner_closed_leads`` split them)."""
    return (
        Assignment.objects.active()
        .filter(partner=partner, lead__in=lead_scope(user=user))
        .select_related("lead", "lead__program", "partner")
        .order_by("assigned_at", "id")
    )


@dataclass(frozen=True)
class PartnerFit:
    """One partner of the client as a choice for one lead: the reasons it cannot take the lead
    by the routing rules (empty: routing would give it the lead) and whether a manager may
    still choose it (an override; never an inactive, flow-disabled or agency partner)."""

    partner_id: int
    name: str
    reasons: tuple[str, ...]
    choosable: bool


def lead_partner_fits(*, leads: Sequence[Lead], now: datetime) -> dict[int, list[PartnerFit]]:
    """For each lead, every active partner of its program's client with the reasons
    (``core.routing.ineligibility``) it is not eligible now, eligible ones first, in a fixed
    number of queries whatever the number of leads."""
    from leadflow.partners.services.pool import PartnerPool, previous_partners, routing_lead

    if not leads:
        return {}
    pool = PartnerPool({lead.program.client_id for lead in leads}, now, lock=False)
    previous = previous_partners(lead.pk for lead in leads)
    fits: dict[int, list[PartnerFit]] = {}
    for lead in leads:
        target = routing_lead(lead, previous.get(lead.pk, frozenset()))
        rows = []
        for state in pool.client_candidates(lead.program.client_id):
            reasons = ineligibility(target, state)
            fixed = {"inactive", "lead flow disabled"} & set(reasons)
            rows.append(
                PartnerFit(
                    partner_id=state.partner_id,
                    name=state.name,
                    reasons=reasons,
                    choosable=not fixed and state.partner_type != AGENCY,
                )
            )
        rows.sort(key=lambda fit: (bool(fit.reasons), not fit.choosable, fit.name.casefold()))
        fits[lead.pk] = rows
    return fits


def partner_open_leads(*, user: User, partner: Partner) -> QuerySet[Assignment]:
    """The partner's open leads (no outcome yet) the user may see, oldest first."""
    return partner_held_leads(user=user, partner=partner).filter(outcome="")


def partner_closed_leads(*, user: User, partner: Partner) -> QuerySet[Assignment]:
    """The partner's leads closed with an outcome it still keeps (won or lost), newest first."""
    return (
        partner_held_leads(user=user, partner=partner)
        .exclude(outcome="")
        .order_by("-closed_at", "-id")
    )


def routing_queue_waits(*, entries: Sequence[RoutingQueueEntry]) -> dict[int, QueueWait]:
    """How long each of these waiting leads may wait (by lead id), by its program's policy."""
    return queue_waits(entries)


# --- partner setup ------------------------------------------------------------------------------


def setup_clients(*, user: User) -> QuerySet[Client]:
    """The clients whose partners ``user`` sets up: those of the programs in their scope."""
    return Client.objects.filter(pk__in=program_list(user=user).values("client_id")).order_by(
        "name"
    )


def setup_managers(*, user: User, partner: Partner | None = None) -> QuerySet[User]:
    """Who may be a partner's manager: the active admins and managers ``user`` manages, the
    user themself, and the partner's present manager."""
    people = user_admin_list(by=user, include_inactive=False).filter(
        groups__name__in=[Role.MANAGER, Role.ADMIN]
    )
    people = people | User.objects.filter(pk=user.pk)
    if partner is not None and partner.manager_id is not None:
        people = people | User.objects.filter(pk=partner.manager_id)
    return people.distinct().order_by("username")


def client_levels(*, client_id: int | None) -> tuple[list[str], list[str]]:
    """The client's program levels and certification levels, best first (the defaults until
    the client has its own lists)."""
    levels = PartnerLevels.objects.filter(client_id=client_id).first() if client_id else None
    if levels is None:
        return default_program_levels(), default_certification_levels()
    return list(levels.program_levels), list(levels.certification_levels)


def partner_territories_text(*, partner: Partner) -> str:
    """The partner's territories as the setup form shows them, one a line."""
    return territories_text(
        TerritoryRule(t.country, t.subdivision, t.postal_prefix) for t in partner.territories.all()
    )


def partner_slug_free(*, client: Client, name: str) -> str:
    """A slug for a new partner of ``client`` from its name, not yet taken ("acme-2")."""
    base = slugify(name)[:70] or "partner"
    taken = set(
        Partner.objects.filter(client=client, slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def partner_members(*, partner: Partner) -> QuerySet[PartnerMember]:
    return PartnerMember.objects.filter(partner=partner).select_related("user")


# --- deal registration (issue 20, item 4) -------------------------------------------------------


#: The programs a partner registers prospects in: its client's partner programs.
REGISTERING_MODES = (HandOffMode.PARTNERS, HandOffMode.BOTH)


def registration_programs(*, partner: Partner) -> QuerySet[Program]:
    """The programs a partner registers prospects in: its client's active partner programs."""
    return Program.objects.filter(
        client_id=partner.client_id, is_active=True, hand_off_mode__in=REGISTERING_MODES
    ).order_by("name")


def registration_program_get(*, partner: Partner, slug: str) -> Program:
    """One of ``registration_programs`` by slug; Program.DoesNotExist (a 404) for any other."""
    return registration_programs(partner=partner).get(slug=slug)


def partner_registrations(*, partner: Partner) -> QuerySet[Registration]:
    """The partner's registrations, newest first."""
    return (
        Registration.objects.filter(partner=partner)
        .select_related("program", "registered_by")
        .order_by("-registered_at", "-id")
    )


def registrations_pending(*, user: User, all_states: bool = False) -> QuerySet[Registration]:
    """Registrations waiting for a manager's decision (any, with ``all_states``) of the
    partners the user may see, oldest first."""
    found = Registration.objects.filter(partner__in=partner_list(user=user))
    if not all_states:
        found = found.filter(status=RegistrationStatus.PENDING)
    return found.select_related("partner", "program", "registered_by", "lead").order_by(
        "registered_at", "id"
    )

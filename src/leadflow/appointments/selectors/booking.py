"""Reads of appointments and availability, starting from what the caller may see.

Scope: a person sees an appointment when they may see its lead (``leads.selectors.lead_scope``:
qualifiers, managers, a partner's users while they hold it) or when they are its attendee (a
client's sales person sees the calls booked with them). Anything else does not exist (404).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Q, QuerySet

from leadflow.accounts.models import Role, Scope, User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.appointments.models import DEFAULT_HOURS, Appointment, AttendeeCalendar
from leadflow.core.appointments import (
    AppointmentRole,
    AppointmentRules,
    AppointmentState,
    AppointmentStep,
    Availability,
    Interval,
    Slot,
    appointment_steps,
    free_slots,
    weekly_hours_parse,
)
from leadflow.core.calendar import working_calendar
from leadflow.core.enums import Rating
from leadflow.core.errors import CalendarError, InputError
from leadflow.core.handoff import DELIVERING_MODES, ROUTING_MODES
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_scope
from leadflow.partners.models import Assignment, PartnerMember
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list

#: A lead is bookable once qualified: rated Hot, A or B and past qualification, not closed.
BOOKABLE_STATUSES = frozenset(
    {
        LeadStatus.IN_REVIEW,
        LeadStatus.APPROVED,
        LeadStatus.DELIVERED,
        LeadStatus.ASSIGNED,
        LeadStatus.CLAIMED,
        LeadStatus.CONTACTED,
    }
)
BOOKABLE_RATINGS = frozenset({Rating.HOT, Rating.A, Rating.B})

#: The search every booking page shows: 30-minute calls on a 30-minute grid, from two hours
#: ahead to three weeks ahead, 10 minutes between two calls.
DURATION = timedelta(minutes=30)
STEP = timedelta(minutes=30)
NOTICE = timedelta(hours=2)
HORIZON = timedelta(days=21)
BUFFER = timedelta(minutes=10)
RULES = AppointmentRules()


def lead_bookable(lead: Lead) -> bool:
    return lead.status in BOOKABLE_STATUSES and lead.rating in BOOKABLE_RATINGS


# --- Attendees and their availability -------------------------------------------------------------


def lead_attendees(*, lead: Lead) -> list[User]:
    """Who a call for this lead is booked with: the client's sales people (the active client
    contacts whose scope covers the program) for a program with client deliveries, the users of
    the partner holding the lead (a partner or a field sales executive) for one with partner
    routing; both for a program with both hand-offs. In name order, each once."""
    program = lead.program
    found: dict[int, User] = {}
    if program.hand_off_mode in DELIVERING_MODES:
        scoped = Scope.objects.filter(
            Q(client_id=program.client_id) | Q(program_id=program.pk)
        ).values("user_id")
        for user in User.objects.filter(
            is_active=True, groups__name=Role.CLIENT, pk__in=scoped
        ).exclude(email=""):
            found[user.pk] = user
    if program.hand_off_mode in ROUTING_MODES:
        holding = Assignment.objects.filter(lead=lead, ended_at__isnull=True).values("partner_id")
        members = PartnerMember.objects.filter(partner_id__in=holding).values("user_id")
        for user in User.objects.filter(is_active=True, pk__in=members).exclude(email=""):
            found[user.pk] = user
    return sorted(found.values(), key=lambda u: (u.get_full_name() or u.username, u.pk))


def attendee_calendar(*, user: User, program: Program | None = None) -> AttendeeCalendar:
    """The person's saved calendar, or an unsaved one of the defaults: weekdays 09:00-17:00 in
    their own timezone (else their partner's, else the client's), on the holidays of their
    partner's country (else the client's, else the program's region)."""
    saved = AttendeeCalendar.objects.filter(user=user).first()
    if saved is not None:
        return saved
    membership = PartnerMember.objects.filter(user=user).select_related("partner").first()
    partner = membership.partner if membership is not None else None
    client = program.client if program is not None else None
    timezone = (
        user.timezone
        or (partner.timezone if partner else "")
        or (client.timezone if client else "UTC")
    )
    country = (
        (partner.country if partner else "")
        or (client.country if client else "")
        or (program.default_region if program else "US")
    )
    return AttendeeCalendar(
        user=user,
        timezone=timezone or "UTC",
        country=country or "US",
        subdivision=(partner.subdivision if partner else "") or "",
        working_hours=DEFAULT_HOURS,
        updated_at=datetime.now(UTC),
    )


def busy_appointments(
    *, attendee: User, start: datetime, end: datetime, exclude_id: int | None = None
) -> list[Interval]:
    """The attendee's booked calls that overlap ``[start, end)``."""
    rows = Appointment.objects.filter(
        attendee=attendee, state=AppointmentState.BOOKED, starts_at__lt=end, ends_at__gt=start
    )
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    return [Interval(s, e) for s, e in rows.values_list("starts_at", "ends_at")]


def feed_busy(calendar: AttendeeCalendar) -> list[Interval]:
    return [
        Interval(datetime.fromisoformat(s), datetime.fromisoformat(e))
        for s, e in calendar.feed_busy
    ]


def availability_of(
    *,
    calendar: AttendeeCalendar,
    program: Program | None,
    start: datetime,
    end: datetime,
    exclude_id: int | None = None,
) -> Availability:
    """The attendee's hours on their working calendar (the program's closure days too), minus
    their booked calls and the feed's busy times."""
    try:
        cal = working_calendar(
            country=calendar.country,
            subdivision=calendar.subdivision or None,
            timezone=calendar.timezone,
            closure_days=_closure_days(program),
        )
    except CalendarError as exc:
        raise InputError("country", str(exc)) from None
    hours = weekly_hours_parse(calendar.working_hours)
    busy = busy_appointments(attendee=calendar.user, start=start, end=end, exclude_id=exclude_id)
    return Availability(calendar=cal, hours=hours, busy=tuple(busy + feed_busy(calendar)))


def _closure_days(program: Program | None) -> list[date]:
    if program is None:
        return []
    days = []
    for text in program.closure_days or []:
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            continue
    return days


def attendee_slots(
    *,
    attendee: User,
    lead: Lead,
    viewer_timezone: str,
    now: datetime,
    exclude_id: int | None = None,
    limit: int = 60,
) -> list[Slot]:
    """The attendee's free slots for a call about this lead, each with the attendee's local
    times and the viewer's (the qualifier who books: ``Slot.prospect_start`` carries the
    viewer's clock here)."""
    calendar = attendee_calendar(user=attendee, program=lead.program)
    availability = availability_of(
        calendar=calendar,
        program=lead.program,
        start=now,
        end=now + HORIZON + timedelta(days=1),
        exclude_id=exclude_id,
    )
    return free_slots(
        availability=availability,
        prospect_timezone=viewer_timezone or calendar.timezone,
        duration=DURATION,
        now=now,
        notice=NOTICE,
        horizon=HORIZON,
        step=STEP,
        buffer=BUFFER,
        limit=limit,
    )


def attendees_managed(*, user: User) -> QuerySet[User]:
    """The attendees whose availability this manager sets: the client contacts and partner
    users whose scope or partner lies within the programs the manager may see."""
    if not user_can(user, Capability.APPOINTMENTS_AVAILABILITY):
        return User.objects.none()
    programs = program_list(user=user)
    clients = programs.values("client_id")
    contacts = Scope.objects.filter(
        Q(client_id__in=clients) | Q(program_id__in=programs.values("pk"))
    ).values("user_id")
    partner_users = PartnerMember.objects.filter(partner__client_id__in=clients).values("user_id")
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(groups__name=Role.CLIENT, pk__in=contacts)
            | Q(groups__name=Role.PARTNER, pk__in=partner_users)
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def attendee_managed_get(*, user: User, attendee_id: int) -> User:
    return attendees_managed(user=user).get(pk=attendee_id)


# --- Appointments ---------------------------------------------------------------------------------


def appointment_scope(*, user: User) -> QuerySet[Appointment]:
    """Every appointment the user may see (see the module)."""
    return Appointment.objects.filter(
        Q(lead__in=lead_scope(user=user)) | Q(attendee=user)
    ).select_related("lead", "lead__program", "lead__program__client", "attendee", "booked_by")


def appointment_get(*, user: User, appointment_id: int) -> Appointment:
    return appointment_scope(user=user).get(pk=appointment_id)


def lead_appointments(*, lead: Lead) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(lead=lead)
        .select_related("attendee", "booked_by")
        .order_by("-starts_at", "-id")
    )


def appointment_roles(*, appointment: Appointment, user: User) -> frozenset[AppointmentRole]:
    """What the person is to this appointment (core.appointments.AppointmentRole)."""
    roles = set()
    if appointment.attendee_id == user.pk:
        roles.add(AppointmentRole.ATTENDEE)
    if user_can(user, Capability.APPOINTMENTS_BOOK):
        roles.add(AppointmentRole.BOOKER)
    if user.has_role(Role.MANAGER, Role.ADMIN):
        roles.add(AppointmentRole.MANAGER)
    return frozenset(roles)


@dataclass(frozen=True)
class AppointmentView:
    appointment: Appointment
    steps: tuple[AppointmentStep, ...]

    @property
    def actions(self) -> set[str]:
        return {step.action.value for step in self.steps}


def appointment_view(*, appointment: Appointment, user: User, now: datetime) -> AppointmentView:
    steps = appointment_steps(
        state=AppointmentState(appointment.state),
        role=appointment_roles(appointment=appointment, user=user),
        starts_at=appointment.starts_at,
        timezone=appointment.timezone,
        now=now,
        rules=RULES,
    )
    return AppointmentView(appointment, steps)

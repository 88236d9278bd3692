"""An appointment's states, who records which step and when (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from leadflow.core.errors import DomainRefused, InputError, InvalidTransition
from leadflow.core.guarantee import dispute_deadline
from leadflow.core.sales import zone_of

# --- States ---------------------------------------------------------------------------------------


class AppointmentKind(StrEnum):
    PHONE = "phone"
    VIDEO = "video"
    ON_SITE = "on_site"

    @property
    def label(self) -> str:
        return {"phone": "Phone call", "video": "Video call", "on_site": "On site"}[self.value]


class AppointmentState(StrEnum):
    BOOKED = "booked"
    HELD = "held"
    NO_SHOW = "no_show"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "booked": "Booked",
            "held": "Held",
            "no_show": "Prospect did not attend",
            "rescheduled": "Rescheduled",
            "cancelled": "Cancelled",
        }[self.value]


class AppointmentAction(StrEnum):
    RECORD_HELD = "record_held"
    RECORD_NO_SHOW = "record_no_show"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"

    @property
    def label(self) -> str:
        return {
            "record_held": "Record as held",
            "record_no_show": "Record that the prospect did not attend",
            "reschedule": "Reschedule",
            "cancel": "Cancel",
        }[self.value]


class AppointmentRole(StrEnum):
    """Who a person is to one appointment."""

    ATTENDEE = "attendee"  # the client's sales person, or the partner / field sales executive
    BOOKER = "booker"  # the qualifier who set it, or anyone of the agency's qualifiers
    MANAGER = "manager"  # the program's sales manager, or an admin

    @property
    def label(self) -> str:
        return {"attendee": "the attendee", "booker": "the qualifier", "manager": "a manager"}[
            self.value
        ]


A = AppointmentAction
R = AppointmentRole

_TARGET = {
    A.RECORD_HELD: AppointmentState.HELD,
    A.RECORD_NO_SHOW: AppointmentState.NO_SHOW,
    A.RESCHEDULE: AppointmentState.RESCHEDULED,
    A.CANCEL: AppointmentState.CANCELLED,
}

DEFAULT_WHO: Mapping[AppointmentAction, frozenset[AppointmentRole]] = MappingProxyType(
    {
        A.RECORD_HELD: frozenset({R.ATTENDEE, R.MANAGER}),
        A.RECORD_NO_SHOW: frozenset({R.ATTENDEE}),
        A.RESCHEDULE: frozenset({R.ATTENDEE, R.BOOKER, R.MANAGER}),
        A.CANCEL: frozenset({R.ATTENDEE, R.BOOKER, R.MANAGER}),
    }
)


class AppointmentRefused(DomainRefused):
    """A step on an appointment refused for who asks or when (409), with the reason in words."""


@dataclass(frozen=True)
class AppointmentRules:
    """Who may record which step, and in which window (a program's settings).

    - ``outcome_days``: held and no-show are recorded from the start until the end of the Nth
      calendar day after the start's day in the attendee's timezone (the dispute window's
      counting, `core.guarantee.dispute_deadline`); 0 means the same day.
    - ``change_notice``: rescheduling and cancelling close this long before the start (0: until
      the start itself); after the start the appointment was either held or not attended.
    """

    outcome_days: int = 2
    change_notice: timedelta = timedelta(0)
    who: Mapping[AppointmentAction, frozenset[AppointmentRole]] = field(
        default_factory=lambda: DEFAULT_WHO
    )

    def __post_init__(self) -> None:
        if self.outcome_days < 0:
            raise InputError("outcome_days", "the window cannot be negative")
        if self.change_notice < timedelta(0):
            raise InputError("change_notice", "the notice cannot be negative")
        missing = [action for action in AppointmentAction if action not in self.who]
        if missing:
            raise InputError("who", "name who may " + ", ".join(a.label for a in missing))


@dataclass(frozen=True)
class AppointmentStep:
    """An allowed step: the state it leads to, and until when it may be taken."""

    action: AppointmentAction
    target: AppointmentState
    opens: datetime | None
    closes: datetime | None


def appointment_window(
    action: AppointmentAction, *, starts_at: datetime, timezone: str, rules: AppointmentRules
) -> tuple[datetime | None, datetime | None]:
    """When ``action`` may be taken on an appointment starting at ``starts_at``: (opens,
    closes), both included; None where unbounded."""
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise ValueError("starts_at must be timezone-aware")
    starts_at = starts_at.astimezone(UTC)
    if action in (A.RECORD_HELD, A.RECORD_NO_SHOW):
        closes = dispute_deadline(starts_at, days=rules.outcome_days, timezone=timezone)
        return starts_at, closes
    return None, starts_at - rules.change_notice - timedelta(microseconds=1)


def appointment_next(
    *,
    state: AppointmentState,
    action: AppointmentAction,
    role: AppointmentRole | Iterable[AppointmentRole],
    starts_at: datetime,
    timezone: str,
    now: datetime,
    rules: AppointmentRules,
) -> AppointmentState:
    """The state ``action`` leads to, or why it is refused: `InvalidTransition` when the
    appointment is no longer booked, `AppointmentRefused` for who asks or when. ``role`` is what
    the person is to this appointment (an attendee who is also a manager passes both)."""
    roles = frozenset([role] if isinstance(role, AppointmentRole) else role)
    if state is not AppointmentState.BOOKED:
        raise InvalidTransition(
            f"cannot {action.label.lower()}: the appointment is already {state.label.lower()}"
        )
    allowed = rules.who[action]
    if not roles & allowed:
        who = " or ".join(sorted(r.label for r in allowed)) or "nobody"
        raise AppointmentRefused(f"only {who} may {action.label.lower()}")
    opens, closes = appointment_window(action, starts_at=starts_at, timezone=timezone, rules=rules)
    if opens is not None and now < opens:
        raise AppointmentRefused(
            f"cannot {action.label.lower()} before the appointment starts "
            f"({_when(opens, timezone)})"
        )
    if closes is not None and now > closes:
        raise AppointmentRefused(
            f"the time to {action.label.lower()} ended {_when(closes, timezone)}"
        )
    return _TARGET[action]


def appointment_steps(
    *,
    state: AppointmentState,
    role: AppointmentRole | Iterable[AppointmentRole],
    starts_at: datetime,
    timezone: str,
    now: datetime,
    rules: AppointmentRules,
) -> tuple[AppointmentStep, ...]:
    """The steps this person may take now, in the order of `AppointmentAction` (the buttons)."""
    roles = frozenset([role] if isinstance(role, AppointmentRole) else role)
    steps: list[AppointmentStep] = []
    for action in AppointmentAction:
        try:
            target = appointment_next(
                state=state,
                action=action,
                role=roles,
                starts_at=starts_at,
                timezone=timezone,
                now=now,
                rules=rules,
            )
        except (InvalidTransition, AppointmentRefused):
            continue
        opens, closes = appointment_window(
            action, starts_at=starts_at, timezone=timezone, rules=rules
        )
        steps.append(AppointmentStep(action, target, opens, closes))
    return tuple(steps)


#: States no step leaves (a rescheduled appointment lives on in its successor).
FINAL_STATES = frozenset(
    {
        AppointmentState.HELD,
        AppointmentState.NO_SHOW,
        AppointmentState.RESCHEDULED,
        AppointmentState.CANCELLED,
    }
)


class AppointmentDisputeReason(StrEnum):
    """Why a client disputes an appointment (issue 20, item 2)."""

    NO_SHOW = "no_show"
    WRONG_PERSON = "wrong_person"
    OUTSIDE_CRITERIA = "outside_criteria"

    @property
    def label(self) -> str:
        return {
            "no_show": "The prospect did not attend",
            "wrong_person": "The wrong person attended",
            "outside_criteria": "Outside the program's criteria",
        }[self.value]


def appointment_disputable(state: AppointmentState, reason: AppointmentDisputeReason) -> bool:
    """Whether an appointment in ``state`` may be disputed for ``reason``: a booked, held or
    missed one (a no-show dispute needs no recorded no-show: the client says so); never a
    rescheduled or cancelled one, which was not delivered as such."""
    if state in (AppointmentState.RESCHEDULED, AppointmentState.CANCELLED):
        return False
    return not (state is AppointmentState.HELD and reason is AppointmentDisputeReason.NO_SHOW)


class AppointmentDisputeRefused(DomainRefused):
    """A dispute of an appointment refused (409), with the reason in words."""


def appointment_dispute_closes(
    *, delivered_at: datetime, starts_at: datetime, days: int, timezone: str
) -> datetime:
    """The last instant an appointment may be disputed: the end of the ``days``-th calendar day
    (the client's timezone, the lead disputes' counting, `core.guarantee.dispute_deadline`)
    after the day it was delivered or, for a call delivered before it took place, the day of
    the call: a client learns whether the prospect attended only once the call was due."""
    for name, moment in (("delivered_at", delivered_at), ("starts_at", starts_at)):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware")
    return dispute_deadline(max(delivered_at, starts_at), days=days, timezone=timezone)


def appointment_dispute_check(
    *,
    state: AppointmentState,
    reason: AppointmentDisputeReason,
    delivered_at: datetime,
    starts_at: datetime,
    days: int,
    timezone: str,
    now: datetime,
) -> datetime:
    """Whether the client may dispute a delivered appointment now, for ``reason``: returns when
    the window closes, or refuses (`AppointmentDisputeRefused`) a rescheduled or cancelled call
    (its successor, or nothing, was delivered), a held one as a no-show, a call before its start
    (until then it may still be moved or cancelled, and nobody knows who will attend), and
    anything after the window closed."""
    if state is AppointmentState.RESCHEDULED:
        raise AppointmentDisputeRefused(
            "this call was moved: dispute the call it was moved to, not this one"
        )
    if state is AppointmentState.CANCELLED:
        raise AppointmentDisputeRefused("a cancelled call cannot be disputed")
    if not appointment_disputable(state, reason):
        raise AppointmentDisputeRefused(
            "the attendee recorded this call as held, so it cannot be disputed as a no-show"
        )
    if now < starts_at:
        raise AppointmentDisputeRefused(
            f"the call has not taken place yet (it starts {_when(starts_at, timezone)}): "
            "a call is disputed once it is due"
        )
    closes = appointment_dispute_closes(
        delivered_at=delivered_at, starts_at=starts_at, days=days, timezone=timezone
    )
    if now > closes:
        raise AppointmentDisputeRefused(
            f"the dispute window closed {_when(closes, timezone)}: {days} days after the call "
            "was delivered or took place, whichever was later"
        )
    return closes


def _when(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(zone_of(timezone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"

"""How the portal shows clocks and a partner's steps: plain values for the templates, computed
from the selectors' results without another query."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from leadflow.accounts.models import User
from leadflow.core.sla import Clock, ClockState
from leadflow.leads.models import Lead
from leadflow.partners.models import (
    CONTACT_CHANNELS,
    LOST_REASONS,
    Assignment,
    EndReason,
    Outcome,
)
from leadflow.partners.selectors import PartnerFit

CHANNEL_LABELS = dict(CONTACT_CHANNELS)
LOST_LABELS = dict(LOST_REASONS)
RUNNING = frozenset({ClockState.OK, ClockState.DUE_SOON, ClockState.MISSED})


@dataclass(frozen=True)
class ClockView:
    """One clock as a line of the page: what it is, its state and the time left in words."""

    name: str
    label: str
    state: str
    state_label: str
    due: datetime | None
    met_at: datetime | None
    left: str


def duration(span: timedelta) -> str:
    """A span in words, to the minute: "2 d 3 h", "5 h 10 min", "less than a minute"."""
    minutes = int(abs(span).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return "less than a minute"


def countdown(clock: Clock) -> str:
    """What is left of a clock: working days while more than a day is left (deadlines are
    the end of a working day in the partner's calendar), hours and minutes on the last day."""
    if clock.state is ClockState.MET:
        return "Done"
    if clock.state is ClockState.WAITING:
        return "Starts at first contact"
    if clock.state is ClockState.STOPPED:
        return "Stopped"
    if clock.state is ClockState.MISSED:
        return f"Missed {duration(clock.time_left)} ago" if clock.time_left else "Missed"
    left = clock.time_left or timedelta(0)
    days = clock.working_days_left
    if clock.state is ClockState.DUE_SOON or not days:
        return f"{duration(left)} left"
    return f"{days} working day{'s' if days != 1 else ''} left"


def clock_view(clock: Clock) -> ClockView:
    return ClockView(
        name=clock.name.value,
        label=clock.label,
        state=clock.state.value,
        state_label=clock.state.label,
        due=clock.due,
        met_at=clock.met_at,
        left=countdown(clock),
    )


def next_clock(clocks: list[Clock]) -> ClockView | None:
    """The running clock that runs out first (for a Hot lead the first contact may be due
    before the claim), or None when nothing runs."""
    running = [
        (clock.due, clock) for clock in clocks if clock.state in RUNNING and clock.due is not None
    ]
    if not running:
        return None
    return clock_view(min(running, key=lambda pair: pair[0])[1])


@dataclass(frozen=True)
class Step:
    at: datetime
    title: str
    detail: str = ""
    by: str = ""


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def assignment_steps(assignment: Assignment) -> list[Step]:
    """The partner's own history of the lead, from its assignment (nothing of the partners
    that held it before: their names and reasons are not this partner's to know)."""
    steps = [Step(assignment.assigned_at, "Assigned to you")]
    if assignment.claimed_at is not None:
        steps.append(Step(assignment.claimed_at, "Claimed", by=_name(assignment.claimed_by)))
    if assignment.contact_at is not None:
        channel = CHANNEL_LABELS.get(assignment.contact_channel, assignment.contact_channel)
        steps.append(
            Step(
                assignment.contact_at,
                f"First contact ({channel.lower()})",
                assignment.contact_note,
            )
        )
    if assignment.closed_at is not None and assignment.outcome:
        title = f"Outcome: {Outcome(assignment.outcome).label}"
        if assignment.outcome_reason:
            title += f" ({LOST_LABELS.get(assignment.outcome_reason, assignment.outcome_reason)})"
        steps.append(Step(assignment.closed_at, title, assignment.outcome_note))
    if assignment.ended_at is not None and assignment.end_reason != EndReason.OUTCOME:
        steps.append(Step(assignment.ended_at, EndReason(assignment.end_reason).label))
    return steps


def profile_items(lead: Lead) -> list[tuple[str, str]]:
    """The prospect profile (current environment, pending needs, budget cycle …) as labelled
    lines; empty values left out."""
    return [
        (key.replace("_", " ").capitalize(), str(value))
        for key, value in lead.profile.items()
        if value not in (None, "")
    ]


def fit_choices(fits: list[PartnerFit], *, exclude: int | None = None) -> list[tuple[int, str]]:
    """The partners a manager may choose, each saying what choosing it sets aside."""
    return [
        (
            fit.partner_id,
            fit.name
            + (" — sets aside: " + "; ".join(fit.reasons) if fit.reasons else " — eligible"),
        )
        for fit in fits
        if fit.choosable and fit.partner_id != exclude
    ]

"""Sales-call appointments (issue 20, items 1 and 2): the free slots of an attendee, and the
appointment's states with who may record which and when.

**Slots.** An attendee (the client's sales person, or a partner or field sales executive)
publishes working hours per weekday in their own timezone, on their working calendar
(`WorkingCalendar`: its public holidays and closure days are never offered, whatever the
weekday's hours). Their existing appointments and the busy times of an imported free/busy feed
(`core.freebusy`) are taken out. A slot is ``duration`` long and starts on the slot grid: every
``step`` from the start of a working window (09:00, 09:30, 10:00 … for a 30-minute step).

- A working window is a span of local wall-clock time on one day (09:00-17:00; a day may have
  several, 09:00-12:00 and 13:00-17:00). It is turned into instants day by day, so a
  09:00-17:00 day stays 09:00-17:00 local across a daylight-saving change.
- A window edge that does not exist (02:30 on the night clocks go forward) is read by RFC 5545's
  rule as everywhere else in the product (`core.schedule.local_instant`): with the offset before
  the change, i.e. as many minutes after the gap as it was into it (02:30 becomes 03:30). An
  edge that happens twice (01:30 on the night clocks go back) means its first occurrence. A
  window whose edges then meet or cross offers nothing that day.
- Within a window the grid counts elapsed time from the window's start, so on a night with a
  change the slots are still ``step`` apart in real time.
- Busy intervals are half-open ``[start, end)``: a slot may begin when a busy time ends, and an
  empty one (start = end) keeps nothing busy. ``buffer`` widens every busy interval on both
  sides (a break between two calls).
- Notice and horizon: a slot starts no earlier than ``now + notice`` and ends no later than
  ``now + horizon``.
- The prospect's timezone does not move the grid (the attendee's day is what is offered); each
  slot carries its times for both people, and ``prospect_hours`` may keep only the slots that
  lie wholly within the prospect's local hours (08:00-20:00 by default when asked for).

**States.** An appointment is ``booked``; then it was ``held``, the prospect did not come
(``no_show``), it was ``rescheduled`` (this appointment ends; its successor is booked with the
same invitation UID and a higher SEQUENCE, as the sales demos do) or ``cancelled``. Every step
names who records it and when (`AppointmentRules`, values a program may change); the
appointment's start and ``now`` are parameters.

The package: `hours` (intervals, working hours and their text), `slots` (the search),
`states` (the appointment's steps); everything is re-exported here.

Pure: no clock, no database, no I/O.
"""

from leadflow.core.appointments.hours import (
    WEEKDAY_NAMES,
    Interval,
    WeeklyHours,
    WorkingWindow,
    busy_of,
    intervals_merge,
    weekly_hours_parse,
)
from leadflow.core.appointments.slots import (
    MAX_DURATION,
    MAX_HORIZON,
    MAX_SLOTS,
    MIN_STEP,
    Availability,
    ProspectHours,
    Slot,
    free_slots,
    slot_free,
    working_intervals,
)
from leadflow.core.appointments.states import (
    DEFAULT_WHO,
    FINAL_STATES,
    AppointmentAction,
    AppointmentDisputeReason,
    AppointmentDisputeRefused,
    AppointmentKind,
    AppointmentRefused,
    AppointmentRole,
    AppointmentRules,
    AppointmentState,
    AppointmentStep,
    appointment_disputable,
    appointment_dispute_check,
    appointment_dispute_closes,
    appointment_next,
    appointment_steps,
    appointment_window,
)

__all__ = [
    "DEFAULT_WHO",
    "FINAL_STATES",
    "MAX_DURATION",
    "MAX_HORIZON",
    "MAX_SLOTS",
    "MIN_STEP",
    "WEEKDAY_NAMES",
    "AppointmentAction",
    "AppointmentDisputeReason",
    "AppointmentDisputeRefused",
    "AppointmentKind",
    "AppointmentRefused",
    "AppointmentRole",
    "AppointmentRules",
    "AppointmentState",
    "AppointmentStep",
    "Availability",
    "Interval",
    "ProspectHours",
    "Slot",
    "WeeklyHours",
    "WorkingWindow",
    "appointment_disputable",
    "appointment_dispute_check",
    "appointment_dispute_closes",
    "appointment_next",
    "appointment_steps",
    "appointment_window",
    "busy_of",
    "free_slots",
    "intervals_merge",
    "slot_free",
    "weekly_hours_parse",
    "working_intervals",
]

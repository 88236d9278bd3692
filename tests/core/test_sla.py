"""The follow-up SLA (DESIGN.md, "Follow-up SLA"): clocks on the working-day calendar of the
partner (several countries and subdivisions, across daylight-saving changes), their states,
and what violations cost."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leadflow.core.calendar import working_calendar
from leadflow.core.enums import Rating
from leadflow.core.sla import (
    DEFAULT_TERMS,
    AssignmentTimes,
    ClockName,
    ClockState,
    Consequence,
    SlaTerms,
    assignment_deadlines,
    clocks,
    followup_deadline,
    missed_clock,
    pending_due,
    queue_limit,
    queue_limit_label,
    queue_limit_text,
    violation_consequence,
    violation_window_start,
)

LA = ZoneInfo("America/Los_Angeles")
CA = working_calendar(country="US", subdivision="CA", timezone="America/Los_Angeles")


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


# --- deadlines on partners' calendars ---------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "assigned", "days", "expect"),
    [
        # Thanksgiving and the day after (a California holiday, not a New York one).
        (("US", "CA", "America/Los_Angeles"), (2026, 11, 25, 10), 2, "2026-12-01"),
        (("US", "NY", "America/New_York"), (2026, 11, 25, 10), 2, "2026-11-30"),
        # Corpus Christi: a holiday in Bavaria, a working day in Berlin.
        (("DE", "BY", "Europe/Berlin"), (2026, 6, 3, 10), 1, "2026-06-05"),
        (("DE", "BE", "Europe/Berlin"), (2026, 6, 3, 10), 1, "2026-06-04"),
        # St Andrew's Day: Scotland only.
        (("GB", "SCT", "Europe/London"), (2026, 11, 27, 10), 1, "2026-12-01"),
        (("GB", "ENG", "Europe/London"), (2026, 11, 27, 10), 1, "2026-11-30"),
        # Bastille Day, nationwide.
        (("FR", "", "Europe/Paris"), (2026, 7, 13, 10), 1, "2026-07-15"),
        # Labour Day is October's first Monday in New South Wales, March's in Victoria.
        (("AU", "NSW", "Australia/Sydney"), (2026, 10, 2, 10), 1, "2026-10-06"),
        (("AU", "VIC", "Australia/Melbourne"), (2026, 10, 2, 10), 1, "2026-10-05"),
    ],
)
def test_claim_deadlines_skip_the_public_holidays_of_the_partner_s_country_and_subdivision(
    place: tuple[str, str, str], assigned: tuple[int, ...], days: int, expect: str
) -> None:
    country, subdivision, zone = place
    cal = working_calendar(country=country, subdivision=subdivision, timezone=zone)
    terms = SlaTerms(claim_days=days)
    due = assignment_deadlines(
        assigned_at=local(zone, *assigned), rating=Rating.B, terms=terms, cal=cal
    ).claim_due
    assert due.isoformat().startswith(f"{expect}T23:59:59.999999")


@pytest.mark.parametrize(
    ("zone", "place", "assigned", "expect"),
    [
        # US clocks go back on 1 November 2026: assigned in PDT, due in PST.
        (
            "America/Los_Angeles",
            ("US", "CA"),
            (2026, 10, 30, 15),
            "2026-11-02T23:59:59.999999-08:00",
        ),
        # And forward on 8 March 2026: assigned in PST, due in PDT.
        ("America/Los_Angeles", ("US", "CA"), (2026, 3, 6, 15), "2026-03-09T23:59:59.999999-07:00"),
        # Europe goes forward on 29 March 2026.
        ("Europe/Berlin", ("DE", "BY"), (2026, 3, 27, 15), "2026-03-30T23:59:59.999999+02:00"),
        # Sydney goes back on 5 April 2026, between Good Friday and Easter Monday.
        ("Australia/Sydney", ("AU", "NSW"), (2026, 4, 2, 15), "2026-04-07T23:59:59.999999+10:00"),
        # ... and forward on 4 October 2026, the day before NSW Labour Day.
        ("Australia/Sydney", ("AU", "NSW"), (2026, 10, 2, 15), "2026-10-06T23:59:59.999999+11:00"),
    ],
)
def test_deadlines_end_at_local_midnight_with_the_offset_of_their_own_day_across_dst(
    zone: str, place: tuple[str, str], assigned: tuple[int, ...], expect: str
) -> None:
    cal = working_calendar(country=place[0], subdivision=place[1], timezone=zone)
    due = assignment_deadlines(
        assigned_at=local(zone, *assigned), rating=Rating.HOT, terms=DEFAULT_TERMS, cal=cal
    ).contact_due
    assert due.isoformat() == expect


def test_the_day_of_assignment_is_the_partner_s_day_not_the_server_s() -> None:
    """23:30 UTC on Monday is already Tuesday morning in Sydney: one working day is Wednesday."""
    sydney = working_calendar(country="AU", subdivision="NSW", timezone="Australia/Sydney")
    due = assignment_deadlines(
        assigned_at=datetime(2026, 11, 2, 23, 30, tzinfo=UTC),
        rating=Rating.HOT,
        terms=DEFAULT_TERMS,
        cal=sydney,
    ).contact_due
    assert due.isoformat() == "2026-11-04T23:59:59.999999+11:00"


def test_program_closure_days_are_not_working_days() -> None:
    closed = working_calendar(
        country="US",
        subdivision="CA",
        timezone="America/Los_Angeles",
        closure_days=[date(2026, 11, 3)],
    )
    due = assignment_deadlines(
        assigned_at=local("America/Los_Angeles", 2026, 11, 2, 9),
        rating=Rating.HOT,
        terms=DEFAULT_TERMS,
        cal=closed,
    ).contact_due
    assert due.date() == date(2026, 11, 4)


@pytest.mark.parametrize(
    ("rating", "expect"),
    [(Rating.HOT, date(2026, 11, 3)), (Rating.A, date(2026, 11, 4)), (Rating.B, date(2026, 11, 9))],
)
def test_first_contact_is_due_after_1_2_or_5_working_days_by_rating(
    rating: Rating, expect: date
) -> None:
    due = assignment_deadlines(
        assigned_at=local("America/Los_Angeles", 2026, 11, 2, 9),
        rating=rating,
        terms=DEFAULT_TERMS,
        cal=CA,
    )
    assert due.contact_due.astimezone(LA).date() == expect
    assert due.claim_due.astimezone(LA).date() == date(2026, 11, 4)


def test_follow_up_is_due_ten_working_days_after_first_contact() -> None:
    # From Friday 13 November: 10 working days skipping Thanksgiving and the day after.
    due = followup_deadline(
        contacted_at=local("America/Los_Angeles", 2026, 11, 13, 16), terms=DEFAULT_TERMS, cal=CA
    )
    assert due.isoformat() == "2026-12-01T23:59:59.999999-08:00"


def test_terms_refuse_negative_limits_and_a_zero_threshold() -> None:
    with pytest.raises(ValueError, match="claim_days"):
        SlaTerms(claim_days=-1)
    with pytest.raises(ValueError, match="violation_threshold"):
        SlaTerms(violation_threshold=0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("queue_limit_hot_hours", 0),
        ("queue_limit_hot_hours", -1),
        ("queue_limit_hot_hours", 49),
        ("queue_limit_working_days", 0),
        ("queue_limit_working_days", 11),
    ],
)
def test_terms_refuse_a_routing_queue_limit_of_nothing_or_beyond_reason(
    field: str, value: int
) -> None:
    with pytest.raises(ValueError, match=field):
        SlaTerms(**{field: value})


# --- the routing queue's waiting limit -----------------------------------------------------------

FRIDAY = datetime(2026, 11, 6, 14, 30, tzinfo=UTC)


def test_by_default_hot_waits_four_hours_others_until_the_next_working_day_s_end() -> None:
    hot = queue_limit(queued_at=FRIDAY, rating="hot", terms=DEFAULT_TERMS, closed=(), zone=UTC)
    assert hot == FRIDAY + timedelta(hours=4)
    other = queue_limit(queued_at=FRIDAY, rating="a", terms=DEFAULT_TERMS, closed=(), zone=UTC)
    assert other.isoformat() == "2026-11-09T23:59:59.999999+00:00"  # end of Monday
    closed = {other.date()}
    later = queue_limit(queued_at=FRIDAY, rating="a", terms=DEFAULT_TERMS, closed=closed, zone=UTC)
    assert later.date() == date(2026, 11, 10)


def test_the_working_day_ends_in_the_zone_given() -> None:
    limit = queue_limit(queued_at=FRIDAY, rating="a", terms=DEFAULT_TERMS, closed=(), zone=LA)
    assert limit.isoformat() == "2026-11-09T23:59:59.999999-08:00"  # end of Monday in LA


def test_a_hot_lead_may_wait_the_program_s_hours() -> None:
    terms = SlaTerms(queue_limit_hot_hours=6)
    limit = queue_limit(queued_at=FRIDAY, rating="hot", terms=terms, closed=(), zone=UTC)
    assert limit == FRIDAY + timedelta(hours=6)
    assert queue_limit_label(terms, "hot") == "6 hours"


def test_other_leads_may_wait_the_program_s_working_days_skipping_weekends_and_closures() -> None:
    terms = SlaTerms(queue_limit_working_days=2)
    limit = queue_limit(queued_at=FRIDAY, rating="a", terms=terms, closed=(), zone=UTC)
    assert limit.isoformat() == "2026-11-10T23:59:59.999999+00:00"  # end of Tuesday
    closed = {date(2026, 11, 9)}
    limit = queue_limit(queued_at=FRIDAY, rating="b", terms=terms, closed=closed, zone=UTC)
    assert limit.date() == date(2026, 11, 11)
    assert queue_limit_label(terms, "b") == "2 working days"


def test_the_limit_reads_as_a_sentence() -> None:
    assert queue_limit_text(DEFAULT_TERMS) == (
        "Hot leads may wait 4 hours, others until the end of the next working day"
    )
    assert queue_limit_text(SlaTerms(queue_limit_hot_hours=1, queue_limit_working_days=2)) == (
        "Hot leads may wait 1 hour, others until the end of the second working day after the "
        "day they began waiting"
    )


# --- clocks -----------------------------------------------------------------------------------

ASSIGNED = local("America/Los_Angeles", 2026, 11, 2, 9)
DUE = assignment_deadlines(assigned_at=ASSIGNED, rating=Rating.A, terms=DEFAULT_TERMS, cal=CA)


def times(**fields: datetime | None) -> AssignmentTimes:
    return AssignmentTimes(claim_due=DUE.claim_due, contact_due=DUE.contact_due, **fields)  # type: ignore[arg-type]


def states(found: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {clock.name.value: clock.state.value for clock in found}


def test_a_fresh_assignment_runs_claim_and_contact_and_waits_for_follow_up() -> None:
    found = clocks(times(followup_due=None), ASSIGNED, CA)
    assert states(found) == {"claim": "ok", "contact": "ok", "follow_up": "waiting"}
    assert found[0].working_days_left == 2
    assert found[0].time_left == DUE.claim_due - ASSIGNED


def test_a_clock_with_less_than_a_day_left_is_due_soon_and_past_its_deadline_missed() -> None:
    soon = clocks(times(followup_due=None), DUE.claim_due - timedelta(hours=3), CA)
    assert soon[0].state is ClockState.DUE_SOON
    assert soon[0].working_days_left == 0
    late = clocks(times(followup_due=None), DUE.claim_due + timedelta(seconds=1), CA)
    assert late[0].state is ClockState.MISSED
    assert late[0].time_left is not None
    assert late[0].time_left < timedelta(0)


def test_a_recorded_step_meets_its_clock() -> None:
    claimed = ASSIGNED + timedelta(hours=2)
    found = clocks(times(followup_due=None, claimed_at=claimed), DUE.claim_due + timedelta(days=9))
    assert found[0].state is ClockState.MET
    assert found[0].met_at == claimed


def test_clocks_of_an_ended_assignment_stop_and_a_late_one_stays_missed() -> None:
    ended = DUE.contact_due + timedelta(minutes=1)
    found = clocks(
        times(followup_due=None, claimed_at=ASSIGNED, ended_at=ended), ended + timedelta(days=3)
    )
    assert states(found) == {"claim": "met", "contact": "missed", "follow_up": "waiting"}
    early = clocks(times(followup_due=None, ended_at=ASSIGNED), ASSIGNED + timedelta(days=3))
    assert states(early)["claim"] == "stopped"


def test_the_sweep_looks_at_the_earliest_running_deadline() -> None:
    fresh = times(followup_due=None)
    assert pending_due(fresh) == min(DUE.claim_due, DUE.contact_due)
    claimed = times(followup_due=None, claimed_at=ASSIGNED)
    assert pending_due(claimed) == DUE.contact_due
    follow_up = DUE.contact_due + timedelta(days=14)
    contacted = times(followup_due=follow_up, claimed_at=ASSIGNED, contacted_at=ASSIGNED)
    assert pending_due(contacted) == follow_up
    closed = times(
        followup_due=follow_up, claimed_at=ASSIGNED, contacted_at=ASSIGNED, outcome_at=ASSIGNED
    )
    assert pending_due(closed) is None


def test_the_missed_clock_is_the_first_one_past_its_deadline() -> None:
    hot = assignment_deadlines(assigned_at=ASSIGNED, rating=Rating.HOT, terms=DEFAULT_TERMS, cal=CA)
    running = AssignmentTimes(
        claim_due=hot.claim_due, contact_due=hot.contact_due, followup_due=None
    )
    assert missed_clock(running, hot.contact_due) is None
    missed = missed_clock(running, hot.claim_due + timedelta(days=1))
    assert missed is not None
    assert (missed.name, missed.due) == (ClockName.CONTACT, hot.contact_due)
    claimed = AssignmentTimes(
        claim_due=hot.claim_due, contact_due=hot.contact_due, followup_due=None, claimed_at=ASSIGNED
    )
    assert missed_clock(claimed, hot.contact_due + timedelta(seconds=1)) is not None
    contacted = AssignmentTimes(
        claim_due=hot.claim_due,
        contact_due=hot.contact_due,
        followup_due=None,
        claimed_at=ASSIGNED,
        contacted_at=ASSIGNED,
    )
    assert missed_clock(contacted, hot.claim_due + timedelta(days=30)) is None


# --- violations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "expect"),
    [
        (1, Consequence.WARNING),
        (2, Consequence.RECORDED),
        (3, Consequence.FLOW_DISABLED),
        (4, Consequence.FLOW_DISABLED),
    ],
)
def test_the_first_violation_warns_and_the_threshold_disables_the_flow(
    count: int, expect: Consequence
) -> None:
    assert violation_consequence(violations_in_window=count, terms=DEFAULT_TERMS) is expect


def test_a_threshold_of_one_disables_at_the_first_violation() -> None:
    terms = SlaTerms(violation_threshold=1)
    assert violation_consequence(violations_in_window=1, terms=terms) is Consequence.FLOW_DISABLED


def test_violations_count_within_the_window_or_since_the_last_re_enabling() -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    assert violation_window_start(now=now, terms=DEFAULT_TERMS) == now - timedelta(days=90)
    enabled = now - timedelta(days=10)
    assert violation_window_start(now=now, terms=DEFAULT_TERMS, flow_enabled_at=enabled) == enabled
    long_ago = now - timedelta(days=200)
    assert violation_window_start(
        now=now, terms=DEFAULT_TERMS, flow_enabled_at=long_ago
    ) == now - timedelta(days=90)

"""Reading an attendee's iCalendar feed into busy intervals: feeds in the shapes Google and
Outlook publish, and hostile ones."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event

from leadflow.core.appointments import Interval, intervals_merge
from leadflow.core.freebusy import FeedError, FeedLimits, busy_from_ical

NY = "America/New_York"
NOVEMBER = Interval(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def feed(*lines: str) -> bytes:
    return (
        "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", *lines, "END:VCALENDAR"]) + "\r\n"
    ).encode()


def busy(data: bytes, window: Interval = NOVEMBER, **kwargs: object) -> list[tuple[str, str]]:
    return [
        (f"{i.start:%Y-%m-%d %H:%M}", f"{i.end:%Y-%m-%d %H:%M}")
        for i in busy_from_ical(data, timezone=NY, window=window, **kwargs)  # type: ignore[arg-type]
    ]


NY_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    "TZID:America/New_York",
    "X-LIC-LOCATION:America/New_York",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:-0500",
    "TZOFFSETTO:-0400",
    "TZNAME:EDT",
    "DTSTART:19700308T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:-0400",
    "TZOFFSETTO:-0500",
    "TZNAME:EST",
    "DTSTART:19701101T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)

GOOGLE = feed(
    "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    "X-WR-CALNAME:jane@example.com",
    "X-WR-TIMEZONE:America/New_York",
    *NY_VTIMEZONE,
    # A weekly team call, 09:00-10:00 New York, through the autumn change; one week skipped,
    # one moved to the afternoon.
    "BEGIN:VEVENT",
    "DTSTART;TZID=America/New_York:20261027T090000",
    "DTEND;TZID=America/New_York:20261027T100000",
    "RRULE:FREQ=WEEKLY;UNTIL=20261124T235959Z;BYDAY=TU",
    "EXDATE;TZID=America/New_York:20261110T090000",
    "DTSTAMP:20261101T120000Z",
    "UID:team-call@google.com",
    "SUMMARY:Busy",
    "DESCRIPTION:A description long enough that Google folds it onto a second line after seve",
    " nty-five octets, as RFC 5545 requires.",
    "TRANSP:OPAQUE",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "DTSTART;TZID=America/New_York:20261117T140000",
    "DTEND;TZID=America/New_York:20261117T150000",
    "RECURRENCE-ID;TZID=America/New_York:20261117T090000",
    "UID:team-call@google.com",
    "SUMMARY:Busy",
    "END:VEVENT",
    # An all-day out-of-office over two days.
    "BEGIN:VEVENT",
    "DTSTART;VALUE=DATE:20261119",
    "DTEND;VALUE=DATE:20261121",
    "UID:ooo@google.com",
    "SUMMARY:Out of office",
    "END:VEVENT",
    # "Show me as available": not busy.
    "BEGIN:VEVENT",
    "DTSTART:20261103T150000Z",
    "DTEND:20261103T160000Z",
    "UID:webinar@google.com",
    "TRANSP:TRANSPARENT",
    "END:VEVENT",
    # A cancelled one: not busy.
    "BEGIN:VEVENT",
    "DTSTART:20261104T150000Z",
    "DTEND:20261104T160000Z",
    "UID:cancelled@google.com",
    "STATUS:CANCELLED",
    "END:VEVENT",
    # A one-off in UTC, given by its duration.
    "BEGIN:VEVENT",
    "DTSTART:20261105T180000Z",
    "DURATION:PT45M",
    "UID:lunch@google.com",
    "END:VEVENT",
)


def test_a_google_feed_repeats_events_skips_exceptions_and_moves_overrides() -> None:
    assert busy(GOOGLE) == [
        ("2026-11-03 14:00", "2026-11-03 15:00"),  # 09:00 EST, after the change
        ("2026-11-05 18:00", "2026-11-05 18:45"),
        ("2026-11-17 19:00", "2026-11-17 20:00"),  # the 17th moved to 14:00
        ("2026-11-19 05:00", "2026-11-21 05:00"),  # two whole days in New York
        ("2026-11-24 14:00", "2026-11-24 15:00"),
    ]


def test_the_occurrence_before_the_window_is_left_out_and_one_across_its_edge_clipped() -> None:
    window = Interval(utc(2026, 10, 27, 13, 30), utc(2026, 11, 4))
    assert busy(GOOGLE, window) == [
        ("2026-10-27 13:30", "2026-10-27 14:00"),  # 09:00-10:00 EDT, clipped
        ("2026-11-03 14:00", "2026-11-03 15:00"),
    ]


OUTLOOK = feed(
    "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
    "METHOD:PUBLISH",
    "X-MS-OLK-FORCEINSPECTOROPEN:TRUE",
    "BEGIN:VTIMEZONE",
    "TZID:Eastern Standard Time",
    "BEGIN:STANDARD",
    "DTSTART:16011104T020000",
    "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11",
    "TZOFFSETFROM:-0400",
    "TZOFFSETTO:-0500",
    "END:STANDARD",
    "BEGIN:DAYLIGHT",
    "DTSTART:16010311T020000",
    "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3",
    "TZOFFSETFROM:-0500",
    "TZOFFSETTO:-0400",
    "END:DAYLIGHT",
    "END:VTIMEZONE",
    "BEGIN:VFREEBUSY",
    "ORGANIZER:mailto:john@example.com",
    "DTSTART:20261101T000000Z",
    "DTEND:20261201T000000Z",
    "FREEBUSY;FBTYPE=BUSY:20261102T140000Z/20261102T150000Z,20261102T160000Z/PT30M",
    "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20261103T170000Z/20261103T180000Z",
    "FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20261106T130000Z/20261106T220000Z",
    "FREEBUSY;FBTYPE=FREE:20261104T130000Z/20261104T220000Z",
    "END:VFREEBUSY",
    "BEGIN:VEVENT",
    "CLASS:PUBLIC",
    "DTSTART;TZID=Eastern Standard Time:20261109T110000",
    "DTEND;TZID=Eastern Standard Time:20261109T113000",
    "UID:040000008200E00074C5B7101A82E00800000000",
    "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
    "END:VEVENT",
)


def test_an_outlook_feed_reads_free_busy_periods_and_windows_zone_names() -> None:
    assert busy(OUTLOOK) == [
        ("2026-11-02 14:00", "2026-11-02 15:00"),
        ("2026-11-02 16:00", "2026-11-02 16:30"),
        ("2026-11-03 17:00", "2026-11-03 18:00"),  # tentative counts as busy
        ("2026-11-06 13:00", "2026-11-06 22:00"),
        ("2026-11-09 16:00", "2026-11-09 16:30"),  # 11:00 Eastern Standard Time
    ]


def test_overlapping_busy_times_are_merged_and_sorted() -> None:
    data = feed(
        "BEGIN:VFREEBUSY",
        "FREEBUSY:20261110T150000Z/20261110T160000Z",
        "FREEBUSY:20261110T140000Z/20261110T153000Z",
        "END:VFREEBUSY",
    )
    assert busy(data) == [("2026-11-10 14:00", "2026-11-10 16:00")]


def test_a_floating_time_and_an_unknown_zone_are_read_in_the_attendees_timezone() -> None:
    data = feed(
        "BEGIN:VEVENT",
        "UID:a",
        "DTSTART:20261110T090000",
        "DTEND:20261110T100000",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:b",
        "DTSTART;TZID=Somewhere Unknown:20261111T090000",
        "DTEND;TZID=Somewhere Unknown:20261111T100000",
        "END:VEVENT",
    )
    assert busy(data) == [
        ("2026-11-10 14:00", "2026-11-10 15:00"),
        ("2026-11-11 14:00", "2026-11-11 15:00"),
    ]


def test_an_all_day_event_without_an_end_is_one_day_and_a_recurring_one_repeats() -> None:
    data = feed(
        "BEGIN:VEVENT",
        "UID:a",
        "DTSTART;VALUE=DATE:20261102",
        "RRULE:FREQ=WEEKLY;COUNT=2",
        "END:VEVENT",
    )
    assert busy(data) == [
        ("2026-11-02 05:00", "2026-11-03 05:00"),
        ("2026-11-09 05:00", "2026-11-10 05:00"),
    ]


def test_an_all_day_event_on_the_night_of_the_change_lasts_the_local_day() -> None:
    data = feed("BEGIN:VEVENT", "UID:a", "DTSTART;VALUE=DATE:20261101", "END:VEVENT")
    assert busy(data) == [("2026-11-01 04:00", "2026-11-02 05:00")]  # 25 hours


def test_a_feed_with_nothing_busy_is_empty() -> None:
    assert busy(feed("PRODID:-//x//EN")) == []


# --- Hostile and broken feeds ---------------------------------------------------------------------


def test_a_feed_larger_than_the_limit_is_refused_before_it_is_read() -> None:
    with pytest.raises(FeedError, match="larger than 1,000 bytes"):
        busy(GOOGLE, limits=FeedLimits(max_bytes=1000))


def test_a_feed_with_too_many_entries_is_refused() -> None:
    events = [
        f"BEGIN:VEVENT\r\nUID:{n}\r\nDTSTART:20261110T090000Z\r\nEND:VEVENT" for n in range(60)
    ]
    with pytest.raises(FeedError, match="more than 50 entries"):
        busy(feed(*events), limits=FeedLimits(max_components=50))


def test_a_repeat_is_stopped_at_the_occurrence_limit_counted_from_its_start() -> None:
    data = feed(
        "BEGIN:VEVENT",
        "UID:a",
        "DTSTART:20260101T150000Z",
        "DURATION:PT1H",
        "RRULE:FREQ=DAILY",
        "END:VEVENT",
    )
    with pytest.raises(FeedError, match="repeats more than 100 times"):
        busy(data, limits=FeedLimits(max_occurrences=100))


@pytest.mark.parametrize("frequency", ["SECONDLY", "MINUTELY", "HOURLY"])
def test_repeats_more_often_than_daily_are_refused(frequency: str) -> None:
    data = feed(
        "BEGIN:VEVENT", "UID:a", "DTSTART:20261101T000000Z", f"RRULE:FREQ={frequency}", "END:VEVENT"
    )
    with pytest.raises(FeedError, match="only daily or slower"):
        busy(data)


def test_a_daily_repeat_from_long_ago_is_refused_before_it_is_expanded() -> None:
    data = feed(
        "BEGIN:VEVENT",
        "UID:a",
        "DTSTART:14000101T000000Z",
        "DURATION:PT1M",
        "RRULE:FREQ=DAILY",
        "END:VEVENT",
    )
    with pytest.raises(FeedError, match="too often over too long"):
        busy(data)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=YEARLY;BYMONTH=4,6;BYMONTHDAY=31",
        "FREQ=MONTHLY;INTERVAL=12;BYMONTH=3",  # from January: always January
        "FREQ=DAILY;INTERVAL=7;BYDAY=TU",  # from a Monday: always Monday
        "FREQ=MONTHLY;BYDAY=6MO",
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6",
        "FREQ=MONTHLY;BYMONTHDAY=13;BYDAY=FR;BYSETPOS=2",
        "FREQ=WEEKLY;BYDAY=1MO",
        "FREQ=YEARLY;BYWEEKNO=53",
        "FREQ=DAILY;BYHOUR=9,10",
        "FREQ=MONTHLY;BYMONTH=13",
        "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29",  # from 2026: never a leap year
    ],
)
def test_a_repeat_rule_that_could_never_match_or_is_not_read_is_refused(rule: str) -> None:
    data = feed(
        "BEGIN:VEVENT",
        "UID:a",
        "DTSTART:20260105T090000Z",
        "DURATION:PT1H",
        f"RRULE:{rule}",
        "END:VEVENT",
    )
    with pytest.raises(FeedError, match="not one calendars publish"):
        busy(data)


@pytest.mark.parametrize(
    ("rule", "first"),
    [
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "2026-11-30 14:00"),  # Outlook
        ("FREQ=MONTHLY;BYDAY=2TU", "2026-11-10 14:00"),  # Google
        ("FREQ=MONTHLY;BYDAY=-1FR", "2026-11-27 14:00"),
        ("FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=26", "2026-11-26 14:00"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=SU", "2026-11-09 14:00"),  # 44 weeks on
        ("FREQ=MONTHLY;BYMONTHDAY=13;BYDAY=FR", "2026-11-13 14:00"),
    ],
)
def test_the_repeat_rules_calendars_publish_are_read(rule: str, first: str) -> None:
    data = feed(
        "BEGIN:VEVENT",
        "UID:a",
        "DTSTART;TZID=America/New_York:20260105T090000",
        "DURATION:PT1H",
        f"RRULE:{rule}",
        "END:VEVENT",
    )
    assert busy(data)[0][0] == first


def test_limits_on_days_and_months_apply_before_the_count() -> None:
    data = feed(
        "BEGIN:VEVENT",
        "UID:a",
        "DTSTART:20261102T150000Z",
        "DURATION:PT1H",
        "RRULE:FREQ=DAILY;BYDAY=MO,WE;BYMONTH=11;COUNT=3",
        "END:VEVENT",
    )
    assert [start for start, _ in busy(data)] == [
        "2026-11-02 15:00",
        "2026-11-04 15:00",
        "2026-11-09 15:00",
    ]


def test_a_rare_but_possible_repeat_is_read_without_searching_for_its_next_time() -> None:
    # Every 52 weeks drifts a day a year: February comes back only centuries later.
    data = feed(
        "BEGIN:VEVENT",
        "UID:a",
        "DTSTART:20260105T150000Z",
        "DURATION:PT1H",
        "RRULE:FREQ=WEEKLY;INTERVAL=52;BYMONTH=2",
        "END:VEVENT",
    )
    assert busy(data) == []


def test_the_steps_of_all_repeats_together_are_limited() -> None:
    events = []
    for n in range(5):
        events += [
            "BEGIN:VEVENT",
            f"UID:{n}",
            "DTSTART:20200101T150000Z",
            "RRULE:FREQ=DAILY;BYMONTH=2",
            "END:VEVENT",
        ]
    with pytest.raises(FeedError, match="take too long"):
        busy(feed(*events), limits=FeedLimits(max_rule_steps=8000))


def test_a_count_and_an_until_end_the_repeat() -> None:
    data = feed(
        "BEGIN:VEVENT",
        "UID:a",
        "DTSTART:20261030T150000Z",
        "DURATION:PT1H",
        "RRULE:FREQ=DAILY;COUNT=5",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:b",
        "DTSTART;VALUE=DATE:20261123",
        "RRULE:FREQ=DAILY;UNTIL=20261124",
        "END:VEVENT",
    )
    assert busy(data) == [
        ("2026-11-01 15:00", "2026-11-01 16:00"),
        ("2026-11-02 15:00", "2026-11-02 16:00"),
        ("2026-11-03 15:00", "2026-11-03 16:00"),
        ("2026-11-23 05:00", "2026-11-25 05:00"),
    ]


def test_a_cancelled_instance_of_a_series_frees_its_time() -> None:
    data = feed(
        "BEGIN:VEVENT",
        "UID:s",
        "DTSTART:20261102T150000Z",
        "DURATION:PT1H",
        "RRULE:FREQ=DAILY;COUNT=2",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:s",
        "RECURRENCE-ID:20261103T150000Z",
        "DTSTART:20261103T150000Z",
        "DURATION:PT1H",
        "STATUS:CANCELLED",
        "END:VEVENT",
    )
    assert busy(data) == [("2026-11-02 15:00", "2026-11-02 16:00")]


def test_too_many_free_busy_periods_are_refused() -> None:
    periods = ",".join(f"202611{d:02d}T090000Z/PT1H" for d in range(1, 29))
    data = feed("BEGIN:VFREEBUSY", f"FREEBUSY:{periods}", "END:VFREEBUSY")
    with pytest.raises(FeedError, match="more than 20 busy times"):
        busy(data, limits=FeedLimits(max_periods=20))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><body>Sign in</body></html>", "not an iCalendar file"),
        (b"\x00\x01\x02\xff" * 10, "not an iCalendar file"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261110T090000Z\r\n", "incomplete"),
        (feed("BEGIN:VEVENT", "this is no content line", "END:VEVENT"), "a line of the calendar"),
        (feed() + b"BEGIN:VEVENT\r\nDTSTART:20261110T090000Z\r\nEND:VEVENT\r\n", "outside any"),
        (feed("BEGIN:VEVENT", "UID:a", "DTSTART:tomorrow", "END:VEVENT"), "DTSTART cannot be read"),
        (feed("BEGIN:VEVENT", "UID:a", "DTEND:20261110T090000Z", "END:VEVENT"), "no start"),
        (
            feed(
                "BEGIN:VEVENT",
                "UID:a",
                "DTSTART:20261110T090000Z",
                "DTEND:20261109T090000Z",
                "END:VEVENT",
            ),
            "ends before it starts",
        ),
        (
            feed(
                "BEGIN:VEVENT",
                "UID:a",
                "DTSTART:20261110T090000Z",
                "DTEND:20301109T090000Z",
                "END:VEVENT",
            ),
            "longer than 366 days",
        ),
        (
            feed(
                "BEGIN:VEVENT",
                "UID:a",
                "DTSTART;VALUE=DATE:20261110",
                "DTEND:20261111T090000Z",
                "END:VEVENT",
            ),
            "both dates or both times",
        ),
        (
            feed(
                "BEGIN:VEVENT",
                "UID:a",
                "DTSTART:20261110T090000Z",
                "RRULE:FREQ=SOMETIMES",
                "END:VEVENT",
            ),
            "cannot be read",
        ),
        (
            feed("BEGIN:VFREEBUSY", "FREEBUSY:20261110T090000Z/20331110T090000Z", "END:VFREEBUSY"),
            "longer than 366 days",
        ),
    ],
)
def test_a_broken_or_hostile_feed_is_refused_as_a_whole(data: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message) as refused:
        busy(data)
    assert refused.value.field == "free_busy_url"


def test_the_default_limits_read_a_year_of_a_busy_calendar() -> None:
    events = []
    start = datetime(2026, 1, 1, 14, tzinfo=UTC)
    for n in range(2000):
        moment = start + timedelta(hours=4 * n)
        events += [
            "BEGIN:VEVENT",
            f"UID:{n}",
            f"DTSTART:{moment:%Y%m%dT%H%M%SZ}",
            "DURATION:PT1H",
            "END:VEVENT",
        ]
    year = Interval(utc(2026, 1, 1), utc(2027, 1, 1))
    assert len(busy_from_ical(feed(*events), timezone=NY, window=year)) == 2000


# --- Property: a feed written by the icalendar package is read back without losing a busy time


ZONES = [None, "UTC", NY, "Europe/Berlin", "Asia/Kolkata"]


@st.composite
def written_feeds(draw: st.DrawFn) -> tuple[bytes, list[Interval]]:
    calendar = Calendar()
    calendar.add("prodid", "-//LeadFlow tests//EN")
    calendar.add("version", "2.0")
    expected = []
    for n in range(draw(st.integers(0, 15))):
        zone_name = draw(st.sampled_from(ZONES))
        zone = ZoneInfo(zone_name) if zone_name else ZoneInfo(NY)
        local = datetime(2026, 10, 25) + timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 45)))
        start = local.replace(tzinfo=zone)
        start = start.astimezone(UTC).astimezone(zone)  # a real instant (skipped times moved)
        length = timedelta(minutes=15 * draw(st.integers(1, 40)))
        transparent = draw(st.booleans()) and draw(st.booleans())
        event = Event()
        event.add("uid", f"{n}@example.com")
        event.add("summary", "Busy " + "with a long description " * draw(st.integers(0, 5)))
        written = start.replace(tzinfo=None) if zone_name is None else start
        event.add("dtstart", written)
        event.add("dtend", written + length)
        if transparent:
            event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
        if not transparent:
            # DTEND is written as a wall-clock time and read as its first occurrence
            end = (start.replace(tzinfo=None) + length).replace(tzinfo=zone, fold=0)
            expected.append(Interval(start.astimezone(UTC), end.astimezone(UTC)))
    return calendar.to_ical(), expected


@settings(max_examples=80, deadline=None)
@given(written_feeds())
def test_every_busy_event_written_is_read_back_inside_the_window(
    written: tuple[bytes, list[Interval]],
) -> None:
    data, events = written
    found = busy_from_ical(data, timezone=NY, window=NOVEMBER)
    clipped = [
        Interval(max(e.start, NOVEMBER.start), min(e.end, NOVEMBER.end))
        for e in events
        if e.end > NOVEMBER.start and e.start < NOVEMBER.end
    ]
    assert found == intervals_merge(clipped)
    assert all(i.start.tzinfo == UTC for i in found)

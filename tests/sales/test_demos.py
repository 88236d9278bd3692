"""Demos: times in the participants' timezone, the on-site minimum lead time, and the RFC 5545
invitations parsed back with ``icalendar`` (UID stable, SEQUENCE grows, METHOD:CANCEL), one of
them received by a real SMTP server."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from icalendar import Calendar

from leadflow.accounts.models import Role, User
from leadflow.core.enums import InquiryType
from leadflow.core.errors import DomainRefused, InputError
from leadflow.core.sales import instant_in
from leadflow.leads.models import Lead
from leadflow.notifications.models import OutboxMessage
from leadflow.notifications.services import outbox_send_due
from leadflow.programs.models import Program
from leadflow.sales.models import (
    Demo,
    DemoKind,
    DemoNextStep,
    DemoState,
    SalesSettings,
    Task,
    TaskKind,
    TaskState,
)
from leadflow.sales.services.demos import (
    demo_cancel,
    demo_invite_ics,
    demo_outcome_record,
    demo_reschedule,
    demo_schedule,
)
from leadflow.sales.services.tasks import lead_flow_start
from tests.factories import NOW
from tests.receivers import SmtpServer

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def seller(make_user: Callable[..., User], program: Program) -> User:
    return make_user(Role.QUALIFIER, programs=(program,), email="sam@acme.example")


@pytest.fixture
def lead(make_lead: Callable[..., Lead], program: Program) -> Lead:
    return make_lead(program, inquiry_type=InquiryType.DEMO_REQUEST)


def _event(ics: bytes) -> tuple[Calendar, Calendar]:
    cal = Calendar.from_ical(ics)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return cal, events[0]


def _remote(lead: Lead, seller: User, **changes: object) -> Demo:
    fields: dict[str, object] = {
        "lead": lead,
        "kind": DemoKind.REMOTE,
        "starts_at": datetime(2026, 11, 10, 15, 0),  # wall-clock, Berlin
        "ends_at": datetime(2026, 11, 10, 16, 0),
        "timezone": "Europe/Berlin",
        "participants": ["Ada@Example.com", "pm@acme.example"],
        "objectives": "Show the reporting module",
        "meeting_url": "https://meet.example.com/abc",
        "actor": seller,
        "now": NOW,
        **changes,
    }
    return demo_schedule(**fields)  # type: ignore[arg-type]


def test_a_demo_s_times_are_read_in_its_timezone_and_the_invitation_shows_them_there(
    lead: Lead, seller: User
) -> None:
    demo = _remote(lead, seller)
    assert (demo.starts_at, demo.ends_at) == (
        datetime(2026, 11, 10, 14, 0, tzinfo=UTC),
        datetime(2026, 11, 10, 15, 0, tzinfo=UTC),
    )
    cal, event = _event(demo_invite_ics(demo=demo))
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == demo.uid
    assert int(event["SEQUENCE"]) == 0
    start = event.decoded("DTSTART")
    assert start == datetime(2026, 11, 10, 15, 0, tzinfo=BERLIN)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    attendees = sorted(str(a) for a in event.get("ATTENDEE"))
    assert attendees == [
        "mailto:ada@example.com",
        "mailto:pm@acme.example",
        "mailto:sam@acme.example",
    ]
    assert str(event["ORGANIZER"]) == "mailto:sam@acme.example"
    assert str(event["URL"]) == "https://meet.example.com/abc"
    assert "Show the reporting module" in str(event["DESCRIPTION"])
    # The prospect is named from the lead; every participant gets the invitation attached.
    assert {p.email: (p.role, p.name) for p in demo.participants.all()}["ada@example.com"] == (
        "prospect",
        "Ada Lovelace",
    )
    messages = OutboxMessage.objects.filter(key__startswith=f"sales-demo:{demo.pk}:0:REQUEST:")
    assert messages.count() == 3
    for message in messages:
        (attachment,) = message.attachments.all()
        assert (attachment.filename, attachment.mimetype) == ("invite.ics", "text/calendar")
        assert str(_event(bytes(attachment.content))[1]["UID"]) == demo.uid


def test_a_reschedule_keeps_the_uid_and_raises_the_sequence_and_a_cancel_says_cancel(
    lead: Lead, seller: User
) -> None:
    demo = _remote(lead, seller)
    uid = demo.uid
    demo = demo_reschedule(
        demo=demo,
        starts_at=datetime(2026, 11, 12, 9, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 12, 10, 0, tzinfo=UTC),
        actor=seller,
        now=NOW,
    )
    cal, event = _event(demo_invite_ics(demo=demo))
    assert (str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])) == ("REQUEST", uid, 1)
    assert event.decoded("DTSTART") == datetime(2026, 11, 12, 10, 0, tzinfo=BERLIN)
    assert (
        OutboxMessage.objects.filter(key__startswith=f"sales-demo:{demo.pk}:1:REQUEST:").count()
        == 3
    )

    demo = demo_cancel(demo=demo, reason="the prospect's CFO is away", actor=seller, now=NOW)
    cal, event = _event(demo_invite_ics(demo=demo))
    assert (str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])) == ("CANCEL", uid, 2)
    assert str(event["STATUS"]) == "CANCELLED"
    assert (
        OutboxMessage.objects.filter(key__startswith=f"sales-demo:{demo.pk}:2:CANCEL:").count() == 3
    )
    with pytest.raises(DomainRefused, match="cancelled"):
        demo_reschedule(
            demo=demo,
            starts_at=datetime(2026, 11, 13, 9, 0, tzinfo=UTC),
            ends_at=datetime(2026, 11, 13, 10, 0, tzinfo=UTC),
            actor=seller,
            now=NOW,
        )
    reasons = list(
        lead.events.filter(action__startswith="sales_demo_")
        .order_by("id")
        .values_list("reason", flat=True)
    )
    assert reasons == [
        "Remote demo scheduled for Tue 10 Nov 2026, 15:00 to 16:00 CET (Europe/Berlin); "
        "invitations sent to 3 participants.",
        "Remote demo moved from Tue 10 Nov 2026, 15:00 to 16:00 CET (Europe/Berlin) to "
        "Thu 12 Nov 2026, 10:00 to 11:00 CET (Europe/Berlin); participants told.",
        "Remote demo of Thu 12 Nov 2026, 10:00 to 11:00 CET (Europe/Berlin) cancelled "
        "(the prospect's CFO is away); participants told.",
    ]


def test_an_on_site_demo_inside_the_minimum_lead_time_is_refused_with_the_earliest_start(
    lead: Lead, seller: User, program: Program
) -> None:
    with pytest.raises(InputError) as caught:
        _remote(
            lead,
            seller,
            kind=DemoKind.ON_SITE,
            starts_at=NOW + timedelta(days=13, hours=23),
            ends_at=NOW + timedelta(days=14, hours=1),
            location="Acme HQ, Boston",
        )
    assert caught.value.field == "starts_at"
    assert str(caught.value) == (
        "An on-site demo must be booked at least 14 days ahead: the earliest start is "
        "Mon 16 Nov 2026, 15:30 CET."
    )
    demo = _remote(
        lead,
        seller,
        kind=DemoKind.ON_SITE,
        starts_at=NOW + timedelta(days=14),
        ends_at=NOW + timedelta(days=14, hours=2),
    )
    assert demo.kind == DemoKind.ON_SITE
    # Moving it closer is refused too; the lead time is the program's setting.
    with pytest.raises(InputError, match="at least 14 days ahead"):
        demo_reschedule(
            demo=demo, starts_at=NOW + timedelta(days=3), ends_at=NOW + timedelta(days=3, hours=1),
            actor=seller, now=NOW,
        )  # fmt: skip
    SalesSettings.objects.create(program=program, demo_min_lead_days=21)
    with pytest.raises(InputError, match="at least 21 days ahead"):
        _remote(
            lead, seller, kind=DemoKind.ON_SITE, starts_at=NOW + timedelta(days=20),
            ends_at=NOW + timedelta(days=20, hours=1),
        )  # fmt: skip
    # A remote demo has no minimum lead time.
    assert _remote(
        lead, seller, starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=1, hours=1)
    ).pk


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"ends_at": datetime(2026, 11, 10, 14, 0)}, "ends_at"),
        ({"starts_at": NOW - timedelta(hours=1)}, "starts_at"),
        ({"participants": ["not an address"]}, "participants.0"),
        ({"kind": "hologram"}, "kind"),
    ],
)
def test_bad_demo_input_names_its_field(
    lead: Lead, seller: User, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InputError) as caught:
        _remote(lead, seller, **changes)
    assert caught.value.field == field
    assert not Demo.objects.exists()


def test_scheduling_the_demo_closes_the_flow_s_scheduling_task_and_the_outcome_is_recorded(
    lead: Lead, seller: User
) -> None:
    lead_flow_start(lead=lead, owner=seller, actor=None, now=NOW)
    demo = _remote(lead, seller)
    task = Task.objects.get(lead=lead, kind=TaskKind.DEMO_PREPARATION)
    assert (task.state, task.outcome) == (
        TaskState.DONE,
        "Demo scheduled for Tue 10 Nov 2026, 15:00 to 16:00 CET (Europe/Berlin).",
    )
    demo = demo_outcome_record(
        demo=demo,
        outcome="Loved the dashboards",
        next_step=DemoNextStep.PROPOSAL,
        actor=seller,
        now=NOW,
    )
    assert (demo.state, demo.next_step) == (DemoState.DONE, "proposal")
    assert lead.events.get(action="sales_demo_done").reason == (
        "Remote demo done. Loved the dashboards Next step: proposal."
    )


def test_an_on_site_invitation_with_its_questionnaire_arrives_over_smtp(
    lead: Lead,
    seller: User,
    smtp_server: SmtpServer,
    make_user: Callable[..., User],
    program: Program,
) -> None:
    """The product manager (one of our users) gets the completed questionnaire too."""
    make_user(Role.MANAGER, programs=(program,), email="pm@acme.example")
    demo = demo_schedule(
        lead=lead,
        kind=DemoKind.ON_SITE,
        starts_at=datetime(2026, 11, 17, 10, 0),
        ends_at=datetime(2026, 11, 17, 12, 0),
        timezone="America/New_York",
        location="Analytical Engines Ltd, 1 Main St, Boston",
        participants=["ada@example.com", "pm@acme.example"],
        objectives="Walk the plant managers through scheduling",
        questionnaire=SimpleUploadedFile("answers.pdf", PDF, content_type="text/plain"),
        actor=seller,
        now=NOW,
    )
    assert outbox_send_due(now=NOW) == 3
    received = {str(m["To"]): m for m in smtp_server.messages}
    assert set(received) == {"ada@example.com", "pm@acme.example", "sam@acme.example"}
    message = received["pm@acme.example"]
    assert str(message["Subject"]) == (
        "Invitation: On site demo: Analytical Engines Ltd, "
        "Tue 17 Nov 2026, 10:00 to 12:00 EST (America/New_York)"
    )
    parts = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(parts) == {"invite.ics", "answers.pdf"}
    assert parts["invite.ics"].get_content_type() == "text/calendar"
    assert parts["answers.pdf"].get_content() == PDF
    cal, event = _event(parts["invite.ics"].get_content().encode())
    assert (str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])) == (
        "REQUEST",
        demo.uid,
        0,
    )
    assert event.decoded("DTSTART") == datetime(
        2026, 11, 17, 10, 0, tzinfo=ZoneInfo("America/New_York")
    )
    assert str(event["LOCATION"]) == "Analytical Engines Ltd, 1 Main St, Boston"
    # The prospect gets the invitation without our questionnaire.
    prospect = {part.get_filename() for part in received["ada@example.com"].iter_attachments()}
    assert prospect == {"invite.ics"}


def test_wall_clock_times_follow_rfc_5545_across_daylight_saving_changes() -> None:
    """02:30 on the night Berlin's clocks go forward does not exist: it takes the offset
    before the gap (03:30 CEST); 02:30 on the night they go back is its first occurrence."""
    assert instant_in(datetime(2027, 3, 28, 2, 30), BERLIN) == datetime(
        2027, 3, 28, 1, 30, tzinfo=UTC
    )
    assert instant_in(datetime(2026, 10, 25, 2, 30), BERLIN) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
    aware = datetime(2026, 11, 10, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    assert instant_in(aware, BERLIN) == datetime(2026, 11, 10, 14, 0, tzinfo=UTC)

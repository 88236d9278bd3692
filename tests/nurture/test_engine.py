"""The due-touch engine: each touch once, at its working-day time, with consent and throttle."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from leadflow.core.consent import ConsentChannel, ConsentStatus
from leadflow.core.errors import InputError
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.services.consent import consent_record
from leadflow.notifications.models import OutboxMessage
from leadflow.nurture.models import (
    CallTask,
    Enrollment,
    MailingListEntry,
    NurtureSettings,
    OnEnd,
    Sequence,
    TouchSent,
)
from leadflow.nurture.services import (
    lead_enrol,
    nurture_settings_save,
    sequence_create,
    sequence_update,
    touches_due_process,
)
from leadflow.programs.models import Program
from tests.factories import NOW
from tests.nurture.conftest import build_sequence

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def site_url(settings: object) -> None:
    settings.SITE_URL = "https://leads.example.com"  # type: ignore[attr-defined]


def local(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment.astimezone(NEW_YORK)


def enrolled(nurtured: Callable[..., Lead], sequence: Sequence, **contact: str) -> Enrollment:
    return lead_enrol(lead=nurtured(**contact), sequence=sequence, actor=None, now=NOW)


def test_the_first_email_is_queued_once_with_one_click_unsubscribe_headers(
    sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    enrollment = enrolled(nurtured, sequence)
    assert touches_due_process(now=NOW) == 1
    assert touches_due_process(now=NOW) == 0
    sent = TouchSent.objects.get(enrollment=enrollment)
    message = OutboxMessage.objects.get(key=f"nurture:{sent.pk}")
    assert message.content["to"] == ["ada@example.com"]
    assert message.content["subject"] == "Hi Ada"
    headers = message.content["headers"]
    assert isinstance(headers, dict)
    assert headers["List-Unsubscribe"].startswith("<https://leads.example.com/u/")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = str(message.content["body"])
    assert "Hello Ada," in body
    assert "Analytical Engines Ltd might like" in body
    assert "https://example.com/guide" not in body  # rewritten to a tracked link
    assert "https://leads.example.com/t/" in body
    assert sent.links == ["https://example.com/guide?x=1"]
    note = enrollment.lead.events.get(action="nurture_touch")
    assert note.reason == "Nurture “Keep warm”, touch 1: E-mail “Hi Ada” sent"


def test_the_next_touch_waits_its_working_days_from_the_previous_touchs_day(
    sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    enrollment = enrolled(nurtured, sequence, phone="+12125550100")
    touches_due_process(now=NOW)  # Monday 2 November 2026
    enrollment.refresh_from_db()
    assert enrollment.step == 1
    # Three working days: Tuesday 3 (election day is no federal holiday), 4, 5 November.
    assert local(enrollment.next_touch_at) == datetime(2026, 11, 5, 9, 0, tzinfo=NEW_YORK)
    assert touches_due_process(now=enrollment.next_touch_at - timedelta(seconds=1)) == 0
    assert touches_due_process(now=enrollment.next_touch_at) == 1
    task = CallTask.objects.get(lead=enrollment.lead)
    assert task.script == "Ask about budget"
    enrollment.refresh_from_db()
    # Ten working days after 5 November, skipping Veterans Day (11th) and weekends: the 20th.
    assert local(enrollment.next_touch_at).date() == date(2026, 11, 20)


def test_a_direct_mail_touch_puts_the_postal_address_on_the_mailing_list(
    program: Program, nurtured: Callable[..., Lead]
) -> None:
    sequence = build_sequence(program)
    sequence.touches.filter(position__lt=2).delete()
    enrollment = enrolled(
        nurtured, sequence, street="1 Main St", city="Springfield", postal_code="12345"
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(next_touch_at=NOW)
    assert touches_due_process(now=NOW) == 1
    entry = MailingListEntry.objects.get(lead=enrollment.lead)
    assert (entry.street, entry.city, entry.postal_code, entry.exported_at) == (
        "1 Main St",
        "Springfield",
        "12345",
        None,
    )


def test_an_unsubscribed_address_is_skipped_and_the_skip_recorded(
    sequence: Sequence, program: Program, nurtured: Callable[..., Lead]
) -> None:
    enrollment = enrolled(nurtured, sequence)
    consent_record(
        client=program.client,
        channel=ConsentChannel.EMAIL,
        address="ada@example.com",
        status=ConsentStatus.UNSUBSCRIBED,
        source="unsubscribe link",
        now=NOW,
        by_person=True,
    )
    touches_due_process(now=NOW)
    sent = TouchSent.objects.get(enrollment=enrollment)
    assert sent.skipped == "the e-mail address is unsubscribed or bounced"
    assert not OutboxMessage.objects.exists()
    note = enrollment.lead.events.get(action="nurture_touch")
    assert note.reason.endswith("E-mail skipped: the e-mail address is unsubscribed or bounced")


def test_emails_are_throttled_per_program_per_minute(
    sequence: Sequence, program: Program, nurtured: Callable[..., Lead]
) -> None:
    NurtureSettings.objects.create(program=program, per_minute=2)
    for number in range(3):
        enrolled(nurtured, sequence, email=f"lead{number}@example.com")
    assert touches_due_process(now=NOW) == 2
    assert OutboxMessage.objects.count() == 2
    assert touches_due_process(now=NOW + timedelta(seconds=30)) == 0
    assert touches_due_process(now=NOW + timedelta(minutes=1, seconds=1)) == 1
    assert OutboxMessage.objects.count() == 3


def _run_to_the_end(enrollment: Enrollment) -> None:
    for _ in range(10):
        enrollment.refresh_from_db()
        if enrollment.next_touch_at is None:
            return
        touches_due_process(now=enrollment.next_touch_at)


def test_at_the_end_of_the_sequence_the_lead_goes_to_the_dead_file(
    sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    enrollment = enrolled(nurtured, sequence)
    _run_to_the_end(enrollment)
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.left_reason, enrollment.step) == ("finished", "ended", 4)
    assert TouchSent.objects.filter(enrollment=enrollment).count() == 4
    enrollment.lead.refresh_from_db()
    assert enrollment.lead.status == LeadStatus.DEAD_FILE
    assert enrollment.lead.events.filter(action="dead_file").get().reason == (
        "nurture sequence ended"
    )


def test_at_the_end_the_lead_may_go_on_to_a_long_term_sequence(
    sequence: Sequence, program: Program, nurtured: Callable[..., Lead]
) -> None:
    long_term = build_sequence(program, slug="long-term", default=False)
    sequence_update(
        sequence=sequence,
        name=sequence.name,
        is_default=True,
        on_end=OnEnd.LONG_TERM,
        long_term_sequence=long_term,
        now=NOW,
    )
    enrollment = enrolled(nurtured, sequence)
    _run_to_the_end(enrollment)
    lead = enrollment.lead
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NURTURING
    assert Enrollment.objects.get(lead=lead, state="active").sequence == long_term


def test_a_lead_no_longer_nurturing_gets_no_touch(
    sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    enrollment = enrolled(nurtured, sequence)
    Lead.objects.filter(pk=enrollment.lead_id).update(status=LeadStatus.QUALIFYING)
    assert touches_due_process(now=NOW) == 1
    enrollment.refresh_from_db()
    assert enrollment.state == "left"
    assert not TouchSent.objects.exists()


@override_settings(SITE_URL="https://leads.example.com")
def test_the_engine_reads_a_batch_with_a_fixed_number_of_queries(
    sequence: Sequence,
    nurtured: Callable[..., Lead],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    for number in range(30):
        enrolled(nurtured, sequence, email=f"bulk{number}@example.com")
    due = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    # The outbox's idempotent enqueue costs four queries per message (look up the key, a
    # savepoint, the insert, its release); everything else is per batch.
    with django_assert_max_num_queries(30 * 4 + 20):  # type: ignore[operator]
        assert touches_due_process(now=due) == 30


def test_a_sequence_without_touches_yet_ends_only_after_the_usual_wait(
    program: Program, nurtured: Callable[..., Lead]
) -> None:
    empty = sequence_create(program=program, name="Empty", slug="empty", now=NOW)
    enrollment = enrolled(nurtured, empty)
    assert touches_due_process(now=NOW) == 0
    # Ten working days after Monday 2 November, skipping Veterans Day (the 11th): the 17th.
    assert local(enrollment.next_touch_at).date() == date(2026, 11, 17)


def test_the_programs_subdivision_holidays_are_skipped_once_set(
    sequence: Sequence, program: Program, nurtured: Callable[..., Lead]
) -> None:
    # Monday 23 November 2026 + 3 working days: Thanksgiving (26th) is national; the day after
    # (27th) is a holiday in some states only, e.g. California ("Day After Thanksgiving").
    nurture_settings_save(program=program, per_minute=60, subdivision="ca")
    entered = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    enrollment = lead_enrol(
        lead=nurtured(phone="+12125550100"), sequence=sequence, actor=None, now=entered
    )
    touches_due_process(now=entered)
    enrollment.refresh_from_db()
    assert local(enrollment.next_touch_at).date() == date(2026, 11, 30)
    with pytest.raises(InputError) as refused:
        nurture_settings_save(program=program, per_minute=60, subdivision="XX")
    assert refused.value.field == "subdivision"

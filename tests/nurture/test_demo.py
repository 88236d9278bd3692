"""The demo's nurture (issue 14, item 8): each demo program's ``demo-nurture`` sequence, with
nurturing leads at various steps, some responded, one unsubscribed and one bounced, made by
the real services and loaded once."""

from collections import Counter
from datetime import timedelta

import pytest

from leadflow.accounts.models import User
from leadflow.core.consent import ConsentStatus
from leadflow.demo.seed import demo_load
from leadflow.leads.models import ContactConsent, Lead, LeadEvent
from leadflow.nurture.demo import DEMO_SLUG, demo_nurture
from leadflow.nurture.models import (
    CallTask,
    Enrollment,
    EnrollmentState,
    LeaveReason,
    MailingListEntry,
    Sequence,
    TouchSent,
)
from leadflow.programs.models import Program
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_each_demo_program_nurtures_its_leads_through_the_demo_sequence() -> None:
    demo_load(now=NOW)
    assert Program.objects.count() == 2
    for program in Program.objects.all():
        sequence = Sequence.objects.get(program=program, slug=DEMO_SLUG)
        assert sequence.is_default
        touches = list(sequence.touches.order_by("position").values_list("kind", "wait_days"))
        # At once, then working days 3, 10 and 20 after entry (each wait counts from the last).
        assert touches == [("email", 0), ("call", 3), ("direct_mail", 7), ("email", 10)]
        enrollments = Enrollment.objects.filter(sequence=sequence)
        steps = Counter(
            enrollments.filter(state=EnrollmentState.ACTIVE).values_list("step", flat=True)
        )
        assert len(steps) >= 3, steps  # just entered, after the call, after the letter …
        assert enrollments.filter(state=EnrollmentState.FINISHED).exists()
        left = Counter(enrollments.filter(state="left").values_list("left_reason", flat=True))
        assert left[LeaveReason.RESPONDED] >= 2
        assert left[LeaveReason.UNSUBSCRIBED] >= 1
        assert left[LeaveReason.BOUNCED] >= 1
        statuses = set(
            ContactConsent.objects.filter(client=program.client).values_list("status", flat=True)
        )
        assert {ConsentStatus.UNSUBSCRIBED, ConsentStatus.BOUNCED} <= statuses
    assert set(TouchSent.objects.values_list("kind", flat=True)) == {"email", "call", "direct_mail"}
    assert CallTask.objects.filter(done_at__isnull=False).exists()  # older calls made
    assert CallTask.objects.filter(done_at__isnull=True).exists()  # recent ones in the queue
    assert MailingListEntry.objects.filter(exported_at__isnull=False).exists()
    assert MailingListEntry.objects.filter(exported_at__isnull=True).exists()
    responded = Enrollment.objects.filter(left_reason=LeaveReason.RESPONDED).values("lead")
    assert Lead.objects.filter(pk__in=responded).exclude(status="nurturing").exists()
    assert not LeadEvent.objects.filter(at__gt=NOW).exists()


def test_loading_the_demo_again_adds_no_second_sequence_or_touch() -> None:
    demo_load(now=NOW)
    counts = (Sequence.objects.count(), TouchSent.objects.count(), Enrollment.objects.count())
    demo_load(now=NOW + timedelta(days=1))
    actors = {user.username: user for user in User.objects.all()}
    again = demo_nurture(programs=list(Program.objects.all()), actors=actors, now=NOW)
    assert again.sequences == []
    assert (
        Sequence.objects.count(),
        TouchSent.objects.count(),
        Enrollment.objects.count(),
    ) == counts

"""An agency runs a program end to end through the services every page uses: qualify, review,
deliver (real SMTP), be disputed, replace — each step in the lead's history and the ledger.
(The pages themselves have their own browser journeys in tests/review, tests/delivery and
tests/guarantees.)"""

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from leadflow.accounts.models import Role, User
from leadflow.core.guarantee import PeriodKind
from leadflow.core.lifecycle import LeadStatus
from leadflow.delivery.services import delivery_batch_run
from leadflow.guarantees.selectors import program_ledger
from leadflow.guarantees.services import dispute_decide, dispute_raise, guarantee_terms_save
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services import LeadInput, lead_create
from leadflow.leads.services.queue import lead_hold, lead_submit_for_review
from leadflow.programs.models import Program
from leadflow.review.services import lead_approve
from tests.receivers import SmtpServer
from tests.tasks import IMMEDIATE

START = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
A_LEAD = {
    "budget": "approved",
    "authority": "decision_maker",
    "need": "established",
    "timeframe_months": 5,
}


def _lead(program: Program, first_name: str, email: str) -> Lead:
    data = LeadInput(
        first_name=first_name,
        last_name="Tester",
        email=email,
        company="Initech",
        answers=A_LEAD,
    )  # type: ignore[arg-type]
    return lead_create(program=program, data=data, actor=None, now=START)


def _qualified_and_approved(lead: Lead, qualifier: User, reviewer: User, now: datetime) -> Lead:
    lead = lead_hold(lead=lead, user=qualifier, now=now)
    lead = lead_submit_for_review(lead=lead, user=qualifier, now=now)
    return lead_approve(lead=lead, reviewer=reviewer, now=now + timedelta(minutes=5))


@override_settings(TASKS=IMMEDIATE)
@pytest.mark.django_db(transaction=True)
def test_qualify_review_deliver_dispute_replace(
    program: Program,
    make_user: Callable[..., User],
    smtp_server: SmtpServer,
) -> None:
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    reviewer = make_user(Role.REVIEWER, programs=(program,))
    manager = make_user(Role.MANAGER, clients=(program.client,))
    contact = make_user(Role.CLIENT, clients=(program.client,))
    User.objects.filter(pk=contact.pk).update(email="buyer@acme.example")
    guarantee_terms_save(
        program=program,
        user=manager,
        leads_per_period=2,
        period=PeriodKind.MONTH,
        dispute_window_days=10,
        dispute_reasons=["Contact unreachable"],
        is_active=True,
        now=START,
    )
    first = _lead(program, "Ada", "first@example.com")
    second = _lead(program, "Grace", "second@example.com")
    for lead in (first, second):
        _qualified_and_approved(lead, qualifier, reviewer, START)

    batch = delivery_batch_run(program=program, now=START + timedelta(hours=1))
    assert batch.delivered == 2
    [email] = smtp_server.messages
    assert email["To"] == "buyer@acme.example"
    attachments = {part.get_filename(): part for part in email.iter_attachments()}
    [csv_name] = [name for name in attachments if name.endswith(".csv")]
    content = attachments[csv_name].get_content()
    rows = list(
        csv.DictReader(io.StringIO(content if isinstance(content, str) else content.decode()))
    )
    assert sorted(row["Email"] for row in rows) == ["first@example.com", "second@example.com"]

    dispute = dispute_raise(
        lead_id=first.pk,
        user=contact,
        reason="Contact unreachable",
        note="Number disconnected",
        now=START + timedelta(days=2),
    )
    dispute_decide(
        dispute_id=dispute.pk,
        user=reviewer,
        uphold=True,
        note="Confirmed: number dead",
        now=START + timedelta(days=3),
    )

    third = _lead(program, "Alan", "third@example.com")
    _qualified_and_approved(third, qualifier, reviewer, START + timedelta(days=4))
    second_batch = delivery_batch_run(program=program, now=START + timedelta(days=4, hours=1))
    assert second_batch.delivered == 1
    dispute.refresh_from_db()
    assert dispute.replacement is not None
    assert dispute.replacement.lead_id == third.pk
    assert len(smtp_server.messages) == 2

    [row] = [
        row
        for row in program_ledger(program=program, now=START + timedelta(days=5)).ledger.rows
        if row.current
    ]
    assert (row.owed, row.delivered, row.disputed, row.upheld, row.replaced) == (2, 2, 1, 1, 1)
    assert (row.valid, row.still_owed) == (2, 0)

    history = list(first.events.order_by("at", "id").values_list("kind", "to_status"))
    assert ("status_changed", LeadStatus.IN_REVIEW) in history
    assert ("status_changed", LeadStatus.APPROVED) in history
    assert ("status_changed", LeadStatus.DELIVERED) in history
    assert (EventKind.DISPUTED, "") in history
    assert (EventKind.DISPUTE_DECIDED, "") in history
    assert third.events.filter(kind=EventKind.REPLACEMENT).exists()

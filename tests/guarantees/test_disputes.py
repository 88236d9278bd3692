"""Raising and deciding disputes: who may, when, how often, and what the lead's history says."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from leadflow.accounts.models import Role, User
from leadflow.core.guarantee import PeriodKind
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.guarantees.models import Dispute, DisputeStatus, GuaranteeTerms
from leadflow.guarantees.services import (
    DecisionRefused,
    DisputeRefused,
    TermsInvalid,
    dispute_decide,
    dispute_raise,
    guarantee_terms_save,
)
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services import lead_transition
from leadflow.programs.models import Program
from tests.guarantees.conftest import People

NY = ZoneInfo("America/New_York")
DELIVERED_AT = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)  # Monday 09:30 in New York
SOON = DELIVERED_AT + timedelta(days=1)
REASON = "Contact unreachable"

MakeDelivered = Callable[..., list[Lead]]


@pytest.fixture
def lead(program: Program, make_delivered: MakeDelivered) -> Lead:
    (delivered,) = make_delivered(program, at=DELIVERED_AT)
    return delivered


def raise_dispute(lead: Lead, people: People, now: datetime = SOON) -> Dispute:
    return dispute_raise(
        lead_id=lead.pk, user=people.contact, reason=REASON, note="No answer in 5 calls", now=now
    )


# Raising


def test_a_client_contact_disputes_a_delivered_lead_within_the_window(
    lead: Lead, people: People
) -> None:
    dispute = raise_dispute(lead, people)
    assert (dispute.status, dispute.reason, dispute.note) == (
        "open",
        REASON,
        "No answer in 5 calls",
    )
    assert (dispute.raised_by, dispute.raised_at, dispute.program_id) == (
        people.contact,
        SOON,
        lead.program_id,
    )
    assert dispute.delivery_item.lead == lead
    assert dispute.ledger_at == DELIVERED_AT
    event = lead.events.latest("id")
    assert (event.kind, event.actor, event.at) == (EventKind.DISPUTED, people.contact, SOON)
    assert event.after == {"dispute": "open", "reason": REASON, "note": "No answer in 5 calls"}
    assert event.reason == f"{REASON}: No answer in 5 calls"
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.DELIVERED


def test_the_window_is_open_to_the_end_of_the_tenth_day_in_the_client_timezone(
    program: Program, make_delivered: MakeDelivered, people: People
) -> None:
    last_moment = datetime(2026, 11, 12, 23, 59, 59, 999999, tzinfo=NY)
    in_time, too_late = make_delivered(program, 2, at=DELIVERED_AT)
    assert raise_dispute(in_time, people, now=last_moment).status == "open"
    with pytest.raises(DisputeRefused, match=r"window .* closed at 2026-11-12 23:59"):
        raise_dispute(too_late, people, now=last_moment + timedelta(microseconds=1))
    assert not Dispute.objects.filter(delivery_item__lead=too_late).exists()
    assert not too_late.events.filter(kind=EventKind.DISPUTED).exists()


def test_the_program_terms_set_the_window(
    program: Program, make_delivered: MakeDelivered, people: People
) -> None:
    guarantee_terms_save(
        program=program,
        user=people.manager,
        leads_per_period=10,
        period=PeriodKind.MONTH,
        dispute_window_days=3,
        dispute_reasons=[REASON],
        is_active=True,
        now=DELIVERED_AT,
    )
    (lead,) = make_delivered(program, at=DELIVERED_AT)
    with pytest.raises(DisputeRefused, match="3 days after its delivery"):
        raise_dispute(lead, people, now=datetime(2026, 11, 6, 0, 0, tzinfo=NY))


def test_a_lead_is_disputed_once(lead: Lead, people: People) -> None:
    raise_dispute(lead, people)
    with pytest.raises(DisputeRefused, match="already been disputed"):
        raise_dispute(lead, people, now=SOON + timedelta(hours=1))
    assert Dispute.objects.count() == 1


def test_a_rejected_dispute_cannot_be_raised_again(lead: Lead, people: People) -> None:
    dispute = raise_dispute(lead, people)
    dispute_decide(
        dispute_id=dispute.pk, user=people.reviewer, uphold=False, note="Reached him", now=SOON
    )
    with pytest.raises(DisputeRefused, match="already been disputed"):
        raise_dispute(lead, people, now=SOON + timedelta(hours=1))


def test_a_contact_of_another_client_does_not_find_the_lead(lead: Lead, people: People) -> None:
    with pytest.raises(Lead.DoesNotExist):
        dispute_raise(lead_id=lead.pk, user=people.other_contact, reason=REASON, note="", now=SOON)


@pytest.mark.parametrize("who", ["partner", "manager", "reviewer", "qualifier", "admin"])
def test_only_client_contacts_dispute(lead: Lead, people: People, who: str) -> None:
    with pytest.raises(DisputeRefused, match="Only client contacts"):
        dispute_raise(lead_id=lead.pk, user=getattr(people, who), reason=REASON, note="", now=SOON)


def test_a_lead_not_delivered_is_not_found_by_the_client(
    program: Program, make_lead: Callable[..., Lead], people: People
) -> None:
    approved = make_lead(program)
    for action in (Action.SUBMIT_FOR_REVIEW, Action.APPROVE):
        lead_transition(lead=approved, action=action, actor=None, now=SOON)
    with pytest.raises(Lead.DoesNotExist):
        raise_dispute(approved, people)


def test_a_lead_marked_delivered_without_a_delivery_record_is_not_the_client_s(
    program: Program, make_lead: Callable[..., Lead], people: People
) -> None:
    orphan = make_lead(program)
    for action in (Action.SUBMIT_FOR_REVIEW, Action.APPROVE, Action.DELIVER):
        lead_transition(lead=orphan, action=action, actor=None, now=SOON)
    # A client contact sees what a delivery gave them, not a status: not found (404).
    with pytest.raises(Lead.DoesNotExist):
        raise_dispute(orphan, people)


def test_a_reason_outside_the_program_list_is_refused(lead: Lead, people: People) -> None:
    with pytest.raises(DisputeRefused, match="dispute reasons"):
        dispute_raise(
            lead_id=lead.pk, user=people.contact, reason="I changed my mind", note="", now=SOON
        )


def test_no_disputes_while_the_guarantee_is_off(
    program: Program, lead: Lead, people: People
) -> None:
    GuaranteeTerms.objects.create(program=program, is_active=False, updated_at=SOON)
    with pytest.raises(DisputeRefused, match=r"guarantee .* is off"):
        raise_dispute(lead, people)


# Deciding


def test_a_reviewer_upholds_with_a_note_and_the_lead_becomes_invalid(
    lead: Lead, people: People
) -> None:
    dispute = raise_dispute(lead, people)
    later = SOON + timedelta(hours=3)
    decided = dispute_decide(
        dispute_id=dispute.pk,
        user=people.reviewer,
        uphold=True,
        note="Recording: wrong person",
        now=later,
    )
    assert (decided.status, decided.decided_by, decided.decided_at, decided.decision_note) == (
        "upheld",
        people.reviewer,
        later,
        "Recording: wrong person",
    )
    assert not decided.lead_is_valid
    assert decided.replacement is None
    event = lead.events.latest("id")
    assert (event.kind, event.action, event.actor, event.reason) == (
        EventKind.DISPUTE_DECIDED,
        "uphold",
        people.reviewer,
        "Recording: wrong person",
    )
    assert (event.before, event.after) == (
        {"dispute": "open"},
        {"dispute": "upheld", "valid": False},
    )
    # The client keeps the lead: it stays delivered, and is invalid by its upheld dispute.
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.DELIVERED


def test_a_rejected_dispute_leaves_the_lead_valid(lead: Lead, people: People) -> None:
    dispute = raise_dispute(lead, people)
    decided = dispute_decide(
        dispute_id=dispute.pk, user=people.admin, uphold=False, note="Reached her", now=SOON
    )
    assert decided.status == DisputeStatus.REJECTED
    assert decided.lead_is_valid
    assert lead.events.latest("id").after == {"dispute": "rejected"}


def test_a_decision_needs_a_note(lead: Lead, people: People) -> None:
    dispute = raise_dispute(lead, people)
    with pytest.raises(DecisionRefused, match="needs a note"):
        dispute_decide(
            dispute_id=dispute.pk, user=people.reviewer, uphold=True, note="  ", now=SOON
        )
    assert Dispute.objects.get(pk=dispute.pk).status == "open"


@pytest.mark.parametrize("who", ["qualifier", "manager", "contact", "partner"])
def test_only_qa_reviewers_and_admins_decide(lead: Lead, people: People, who: str) -> None:
    dispute = raise_dispute(lead, people)
    with pytest.raises(DecisionRefused, match="Only QA reviewers"):
        dispute_decide(
            dispute_id=dispute.pk, user=getattr(people, who), uphold=True, note="x", now=SOON
        )
    assert Dispute.objects.get(pk=dispute.pk).status == "open"
    assert not lead.events.filter(kind=EventKind.DISPUTE_DECIDED).exists()


def test_a_reviewer_of_another_program_does_not_find_the_dispute(
    lead: Lead, people: People
) -> None:
    dispute = raise_dispute(lead, people)
    with pytest.raises(Dispute.DoesNotExist):
        dispute_decide(
            dispute_id=dispute.pk, user=people.other_reviewer, uphold=True, note="x", now=SOON
        )


def test_a_dispute_is_decided_once(lead: Lead, people: People) -> None:
    dispute = raise_dispute(lead, people)
    dispute_decide(dispute_id=dispute.pk, user=people.reviewer, uphold=False, note="ok", now=SOON)
    with pytest.raises(DecisionRefused, match="already rejected"):
        dispute_decide(
            dispute_id=dispute.pk, user=people.reviewer, uphold=True, note="changed", now=SOON
        )
    assert Dispute.objects.get(pk=dispute.pk).status == "rejected"


# Terms


def test_a_manager_saves_terms_with_reasons_cleaned(program: Program, people: People) -> None:
    terms = guarantee_terms_save(
        program=program,
        user=people.manager,
        leads_per_period=25,
        period=PeriodKind.QUARTER,
        dispute_window_days=14,
        dispute_reasons=["  Wrong  person ", "", "wrong person", "Out of territory"],
        is_active=True,
        now=SOON,
    )
    assert (terms.leads_per_period, terms.period, terms.dispute_window_days) == (25, "quarter", 14)
    assert terms.dispute_reasons == ["Wrong person", "Out of territory"]
    assert (terms.updated_by, terms.updated_at) == (people.manager, SOON)
    again = guarantee_terms_save(
        program=program,
        user=people.admin,
        leads_per_period=30,
        period=PeriodKind.MONTH,
        dispute_window_days=10,
        dispute_reasons=["Wrong person"],
        is_active=False,
        now=SOON,
    )
    assert again.pk == terms.pk
    assert GuaranteeTerms.objects.get(program=program).leads_per_period == 30


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dispute_window_days": 0}, "between 1 and 90"),
        ({"dispute_window_days": 91}, "between 1 and 90"),
        ({"dispute_reasons": ["", "  "]}, "at least one"),
        ({"dispute_reasons": ["x" * 201]}, "at most 200"),
        ({"leads_per_period": -1}, "negative"),
    ],
)
def test_terms_that_make_no_sense_are_refused(
    program: Program, people: People, changes: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {
        "leads_per_period": 10,
        "period": PeriodKind.MONTH,
        "dispute_window_days": 10,
        "dispute_reasons": [REASON],
        "is_active": True,
        **changes,
    }
    with pytest.raises(TermsInvalid, match=message):
        guarantee_terms_save(program=program, user=people.manager, now=SOON, **values)  # type: ignore[arg-type]
    assert not GuaranteeTerms.objects.exists()


@pytest.mark.parametrize("who", ["contact", "reviewer", "qualifier"])
def test_only_managers_and_admins_change_terms(program: Program, people: People, who: str) -> None:
    with pytest.raises(TermsInvalid, match="Only sales managers"):
        guarantee_terms_save(
            program=program,
            user=getattr(people, who),
            leads_per_period=1,
            period=PeriodKind.MONTH,
            dispute_window_days=10,
            dispute_reasons=[REASON],
            is_active=True,
            now=SOON,
        )


def test_a_manager_of_another_client_does_not_find_the_program(
    other_program: Program, people: People
) -> None:
    with pytest.raises(Program.DoesNotExist):
        guarantee_terms_save(
            program=other_program,
            user=people.manager,
            leads_per_period=1,
            period=PeriodKind.MONTH,
            dispute_window_days=10,
            dispute_reasons=[REASON],
            is_active=True,
            now=SOON,
        )


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_contacts_disputing_one_lead_at_once_make_one_dispute(
    program: Program, lead: Lead, people: People, make_user: Callable[..., User]
) -> None:
    contacts = [people.contact, make_user(Role.CLIENT, clients=(program.client,))]
    barrier = threading.Barrier(len(contacts))
    refused: list[DisputeRefused] = []
    errors: list[BaseException] = []

    def run(user: User) -> None:
        try:
            barrier.wait()
            dispute_raise(lead_id=lead.pk, user=user, reason=REASON, note="", now=SOON)
        except DisputeRefused as exc:
            refused.append(exc)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(user,)) for user in contacts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(refused) == 1
    assert Dispute.objects.count() == 1
    assert lead.events.filter(kind=EventKind.DISPUTED).count() == 1

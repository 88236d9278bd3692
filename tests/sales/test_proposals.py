"""Proposals: written with amount and currency, signed off by the people each step names, sent
only once every step stands approved (the missing steps named), followed up, then won or lost;
every step in the lead's history in plain words."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from leadflow.accounts.models import User
from leadflow.core.errors import DomainRefused, InputError
from leadflow.leads.models import EventKind, LeadEvent
from leadflow.programs.models import Program
from leadflow.sales.models import (
    ApprovalDecision,
    Proposal,
    ProposalApproval,
    ProposalDocument,
    ProposalState,
    SalesSettings,
    Task,
    TaskKind,
)
from leadflow.sales.services import proposals
from leadflow.sales.services.proposals import (
    ApprovalsMissing,
    approval_steps,
    proposal_create,
    proposal_decide,
    proposal_document_add,
    proposal_document_delete,
    proposal_lost,
    proposal_missing_steps,
    proposal_send,
    proposal_won,
)
from tests.factories import NOW
from tests.sales.proposal_setup import (
    STEPS,
    Approvers,
    approve_all,
    approvers,
    draft,
    prospect,
)


@pytest.fixture
def people(program: Program, make_user: Callable[..., User]) -> Approvers:
    return approvers(program, make_user)


def notes(lead_id: int) -> list[str]:
    return list(
        LeadEvent.objects.filter(lead_id=lead_id, kind=EventKind.NOTE)
        .order_by("at", "id")
        .values_list("reason", flat=True)
    )


def test_a_proposal_is_a_draft_with_its_amount_noted_in_the_history(
    program: Program, people: Approvers
) -> None:
    lead = prospect(program)
    proposal = proposal_create(
        lead=lead,
        amount=Decimal("12500.50"),
        currency="eur",
        due_date=(NOW + timedelta(days=30)).date(),
        actor=people.seller,
        now=NOW,
    )
    assert proposal.state == ProposalState.DRAFT
    assert proposal.currency == "EUR"
    assert notes(lead.pk)[-1] == (
        f"Proposal #{proposal.pk} written for 12,500.50 EUR, due 2026-12-02."
    )


@pytest.mark.parametrize(
    ("amount", "currency", "field"),
    [("0", "EUR", "amount"), ("-5", "EUR", "amount"), ("1.005", "EUR", "amount"),
     ("10", "EURO", "currency"), ("10", "E1R", "currency")],
)  # fmt: skip
def test_an_amount_above_zero_in_cents_and_an_iso_currency_are_required(
    program: Program, people: Approvers, amount: str, currency: str, field: str
) -> None:
    with pytest.raises(InputError) as refused:
        proposal_create(
            lead=prospect(program),
            amount=Decimal(amount),
            currency=currency,
            actor=people.seller,
            now=NOW,
        )
    assert refused.value.field == field


def test_a_program_without_settings_has_the_three_default_steps(other_program: Program) -> None:
    assert [step.name for step in approval_steps(program_id=other_program.pk)] == STEPS


def test_sending_before_any_approval_names_every_step_in_order(
    program: Program, people: Approvers
) -> None:
    proposal = draft(prospect(program), people.seller)
    with pytest.raises(ApprovalsMissing) as refused:
        proposal_send(proposal=proposal, actor=people.seller, now=NOW)
    assert refused.value.missing == STEPS
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DRAFT
    assert not Task.objects.filter(proposal=proposal).exists()


def test_sending_with_one_step_missing_names_only_that_step(
    program: Program, people: Approvers
) -> None:
    proposal = draft(prospect(program), people.seller)
    approve_all(proposal, people, skip=("Finance",))
    with pytest.raises(ApprovalsMissing) as refused:
        proposal_send(proposal=proposal, actor=people.seller, now=NOW)
    assert refused.value.missing == ["Finance"]
    assert "missing: Finance" in str(refused.value)


def test_a_step_is_given_only_by_the_users_or_the_role_it_names(
    program: Program, people: Approvers
) -> None:
    proposal = draft(prospect(program), people.seller)
    strangers = [
        ("Finance", people.vp),
        ("Finance", people.outsider),
        ("Technical", people.finance),
        ("VP Sales and Marketing", people.seller),
    ]
    for step, stranger in strangers:
        with pytest.raises(PermissionDenied):
            proposal_decide(
                proposal=proposal, step=step, decision="approved", actor=stranger, now=NOW
            )
    assert not ProposalApproval.objects.exists()
    proposal_decide(
        proposal=proposal, step="Technical", decision="approved", actor=people.technical, now=NOW
    )
    assert proposal_missing_steps(proposal=proposal) == ["VP Sales and Marketing", "Finance"]


def test_a_step_the_program_does_not_have_is_refused_naming_its_steps(
    program: Program, people: Approvers
) -> None:
    proposal = draft(prospect(program), people.seller)
    with pytest.raises(DomainRefused, match="its steps are: VP Sales and Marketing, Finance"):
        proposal_decide(
            proposal=proposal, step="Legal", decision="approved", actor=people.vp, now=NOW
        )


def test_a_rejection_blocks_the_send_until_the_step_is_approved_again(
    program: Program, people: Approvers
) -> None:
    lead = prospect(program)
    proposal = draft(lead, people.seller)
    approve_all(proposal, people)
    proposal_decide(
        proposal=proposal,
        step="Finance",
        decision="rejected",
        note="discount too deep",
        actor=people.finance,
        now=NOW + timedelta(minutes=1),
    )
    with pytest.raises(ApprovalsMissing) as refused:
        proposal_send(proposal=proposal, actor=people.seller, now=NOW)
    assert refused.value.missing == ["Finance"]
    proposal_decide(
        proposal=proposal,
        step="Finance",
        decision="approved",
        note="revised to 10%",
        actor=people.finance,
        now=NOW + timedelta(minutes=2),
    )
    standing = ProposalApproval.objects.get(proposal=proposal, step="Finance")
    assert (standing.decision, standing.note) == (ApprovalDecision.APPROVED, "revised to 10%")
    assert ProposalApproval.objects.filter(proposal=proposal).count() == 3
    history = notes(lead.pk)
    assert f"{people.finance.username} rejected the step “Finance” of proposal #{proposal.pk}: " \
        "“discount too deep”" in history  # fmt: skip
    assert f"{people.finance.username} approved the step “Finance” of proposal #{proposal.pk}: " \
        "“revised to 10%”" in history  # fmt: skip
    assert proposal_send(proposal=proposal, actor=people.seller, now=NOW).state == "sent"


def test_sending_gives_the_sender_a_follow_up_task_on_a_working_day(
    program: Program, people: Approvers
) -> None:
    lead = prospect(program)
    proposal = draft(lead, people.seller)
    approve_all(proposal, people)
    sent = proposal_send(proposal=proposal, actor=people.seller, now=NOW)
    assert (sent.state, sent.sent_at, sent.sent_by) == (ProposalState.SENT, NOW, people.seller)
    task = Task.objects.get(proposal=proposal)
    assert (task.kind, task.owner, task.lead) == (TaskKind.PROPOSAL_FOLLOW_UP, people.seller, lead)
    assert task.due_at.weekday() < 5
    assert task.due_at.date() > NOW.date()
    assert any(
        note.startswith(f"Proposal #{proposal.pk} (12,000.00 EUR) sent by {people.seller.username}")
        for note in notes(lead.pk)
    )


def test_decisions_and_a_second_send_are_refused_once_sent(
    program: Program, people: Approvers
) -> None:
    proposal = draft(prospect(program), people.seller)
    approve_all(proposal, people)
    proposal_send(proposal=proposal, actor=people.seller, now=NOW)
    with pytest.raises(DomainRefused, match="approvals are closed"):
        proposal_decide(
            proposal=proposal, step="Finance", decision="rejected", actor=people.finance, now=NOW
        )
    with pytest.raises(DomainRefused, match="already sent"):
        proposal_send(proposal=proposal, actor=people.seller, now=NOW)
    assert Task.objects.filter(proposal=proposal).count() == 1


def test_a_sent_proposal_is_won_for_the_amount_signed(program: Program, people: Approvers) -> None:
    lead = prospect(program)
    proposal = draft(lead, people.seller)
    approve_all(proposal, people)
    proposal_send(proposal=proposal, actor=people.seller, now=NOW)
    won = proposal_won(proposal=proposal, amount=Decimal("11000"), actor=people.seller, now=NOW)
    assert (won.state, won.won_amount, won.closed_at) == (ProposalState.WON, Decimal("11000"), NOW)
    assert notes(lead.pk)[-1] == f"Proposal #{proposal.pk} won for 11,000.00 EUR."
    with pytest.raises(DomainRefused):
        proposal_lost(proposal=proposal, reason="late", actor=people.seller, now=NOW)


def test_a_sent_proposal_is_lost_with_a_reason(program: Program, people: Approvers) -> None:
    lead = prospect(program)
    proposal = draft(lead, people.seller)
    approve_all(proposal, people)
    proposal_send(proposal=proposal, actor=people.seller, now=NOW)
    with pytest.raises(InputError):
        proposal_lost(proposal=proposal, reason="  ", actor=people.seller, now=NOW)
    lost = proposal_lost(
        proposal=proposal, reason="chose a competitor", actor=people.seller, now=NOW
    )
    assert (lost.state, lost.lost_reason) == (ProposalState.LOST, "chose a competitor")
    assert notes(lead.pk)[-1] == f"Proposal #{proposal.pk} lost: chose a competitor"


def test_a_draft_is_neither_won_nor_lost(program: Program, people: Approvers) -> None:
    proposal = draft(prospect(program), people.seller)
    with pytest.raises(DomainRefused, match="only a sent proposal"):
        proposal_won(proposal=proposal, amount=Decimal("1"), actor=people.seller, now=NOW)


def test_steps_renamed_in_the_settings_are_what_the_gate_asks_for(
    program: Program, people: Approvers
) -> None:
    proposal = draft(prospect(program), people.seller)
    approve_all(proposal, people)
    SalesSettings.objects.filter(program=program).update(
        approval_steps=[{"name": "Legal", "users": [people.outsider.pk]}]
    )
    with pytest.raises(ApprovalsMissing) as refused:
        proposal_send(proposal=proposal, actor=people.seller, now=NOW)
    assert refused.value.missing == ["Legal"]


# --- Documents --------------------------------------------------------------------------------

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n%%EOF\n"


def pdf(name: str = "offer.pdf", padding: int = 0) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF + b"0" * padding, content_type="text/html")


def test_a_document_is_checked_stored_unguessably_and_noted(
    program: Program, people: Approvers
) -> None:
    proposal = draft(prospect(program), people.seller)
    document = proposal_document_add(
        proposal=proposal, upload=pdf("../Offer 2026.pdf"), actor=people.seller, now=NOW
    )
    assert (document.filename, document.content_type) == ("Offer 2026.pdf", "application/pdf")
    assert document.file.name.startswith(f"sales/proposals/{proposal.pk}/")
    assert "Offer" not in document.file.name
    assert document.file.read() == PDF
    assert notes(proposal.lead_id)[-1] == (
        f"Document “Offer 2026.pdf” (42 bytes) added to proposal #{proposal.pk}."
    )


def test_a_document_that_is_not_one_we_accept_is_refused_and_nothing_written(
    program: Program, people: Approvers
) -> None:
    proposal = draft(prospect(program), people.seller)
    fake = SimpleUploadedFile("offer.pdf", b"MZ\x90\x00 an executable")
    with pytest.raises(InputError, match="is not a PDF, Word") as refused:
        proposal_document_add(proposal=proposal, upload=fake, actor=people.seller, now=NOW)
    assert refused.value.field == "file"
    assert not ProposalDocument.objects.exists()


def test_a_proposals_documents_together_are_capped_at_twenty_megabytes(
    program: Program, people: Approvers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(proposals, "MAX_PROPOSAL_BYTES", 100)
    proposal = draft(prospect(program), people.seller)
    proposal_document_add(proposal=proposal, upload=pdf(padding=40), actor=None, now=NOW)
    with pytest.raises(InputError, match="together are at most"):
        proposal_document_add(proposal=proposal, upload=pdf(padding=40), actor=None, now=NOW)
    assert proposal.documents.count() == 1


def test_a_refused_document_refuses_the_whole_new_proposal(
    program: Program, people: Approvers
) -> None:
    lead = prospect(program)
    with pytest.raises(InputError):
        proposal_create(
            lead=lead,
            amount=Decimal("100"),
            currency="EUR",
            actor=people.seller,
            now=NOW,
            uploads=[SimpleUploadedFile("x.pdf", b"")],
        )
    assert not Proposal.objects.exists()
    made = proposal_create(
        lead=lead, amount=Decimal("100"), currency="EUR", actor=None, now=NOW, uploads=[pdf()]
    )
    assert [document.filename for document in made.documents.all()] == ["offer.pdf"]


def test_documents_are_added_until_won_or_lost_and_removed_only_before_sending(
    program: Program, people: Approvers, django_capture_on_commit_callbacks: Any
) -> None:
    proposal = draft(prospect(program), people.seller)
    first = proposal_document_add(proposal=proposal, upload=pdf("a.pdf"), actor=None, now=NOW)
    stored = first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        proposal_document_delete(document=first, actor=people.seller, now=NOW)
    assert not ProposalDocument.objects.filter(pk=first.pk).exists()
    assert not first.file.storage.exists(stored)
    assert notes(proposal.lead_id)[-1] == f"Document “a.pdf” removed from proposal #{proposal.pk}."
    approve_all(proposal, people)
    proposal_send(proposal=proposal, actor=people.seller, now=NOW)
    kept = proposal_document_add(proposal=proposal, upload=pdf("b.pdf"), actor=None, now=NOW)
    with pytest.raises(DomainRefused, match="stay on record"):
        proposal_document_delete(document=kept, actor=people.seller, now=NOW)
    proposal_won(proposal=proposal, amount=Decimal("5"), actor=people.seller, now=NOW)
    with pytest.raises(DomainRefused, match="can no longer change"):
        proposal_document_add(proposal=proposal, upload=pdf("c.pdf"), actor=None, now=NOW)
    assert [d.filename for d in proposal.documents.all()] == ["b.pdf"]

"""Proposals (issue 15, item 5): written for a lead, signed off step by step by the people the
program names, sent only once every step stands approved, then won or lost.

The gate: ``proposal_send`` locks the proposal row and reads the standing decisions under that
lock, and every decision takes the same lock first, so a send sees a concurrent decision
either whole or not at all (two approvers racing a send cannot slip an unapproved proposal
out). A later decision of a step replaces its standing one (a rejection is undone by approving
the step again once the proposal is revised); the lead's history keeps every decision, each
worded in plain words. See docs/DECISIONS.md, "Proposal approvals".

Documents (the offer itself, a price sheet): checked by their content
(``documents.document_check``), at most 10 MB each and ``MAX_PROPOSAL_BYTES`` together, added
until the proposal is won or lost, removed only while it is a draft (once sent, what went out
stays on record).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat

from leadflow.accounts.models import User
from leadflow.core.errors import DomainRefused, InputError
from leadflow.leads.models import Lead
from leadflow.leads.services import events_record
from leadflow.sales.models import (
    ApprovalDecision,
    Proposal,
    ProposalApproval,
    ProposalDocument,
    ProposalState,
    SalesSettings,
    TaskKind,
    default_approval_steps,
)
from leadflow.sales.services.documents import CheckedDocument, document_check
from leadflow.sales.services.tasks import sales_note, task_create, working_due

#: Working days after sending that the proposal's follow-up call is due.
FOLLOW_UP_WORKING_DAYS = 3
MAX_AMOUNT = Decimal("999999999999.99")
#: A proposal's documents together, at most (as a sales kit's).
MAX_PROPOSAL_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ApprovalStep:
    """One sign-off a proposal needs: its name and who may give it (named users, or anyone
    holding the role)."""

    name: str
    user_ids: frozenset[int]
    role: str

    def may_give(self, user: User) -> bool:
        return user.pk in self.user_ids or bool(self.role and user.has_role(self.role))

    @property
    def who(self) -> str:
        """Who may give the step, in words (for messages)."""
        parts = []
        if self.user_ids:
            parts.append("the named approvers")
        if self.role:
            parts.append(f"the {self.role} role")
        return " or ".join(parts) or "nobody (the program names no one)"


class ApprovalsMissing(DomainRefused):
    """A proposal asked to go out before every step stands approved; ``missing`` names the
    steps without an approval, in the program's order."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(
            "the proposal cannot be sent before every approval step is approved; missing: "
            + ", ".join(missing)
        )


def approval_steps(*, program_id: int) -> list[ApprovalStep]:
    """The program's approval steps in order (the defaults for a program without settings)."""
    found = SalesSettings.objects.filter(program_id=program_id).first()
    raw: list[dict[str, Any]] = (
        found.approval_steps if found is not None else default_approval_steps()
    )
    return [
        ApprovalStep(
            name=str(step["name"]),
            user_ids=frozenset(int(pk) for pk in step.get("users") or ()),
            role=str(step.get("role") or ""),
        )
        for step in raw
        if step.get("name")
    ]


def proposal_missing_steps(*, proposal: Proposal) -> list[str]:
    """The steps of the proposal's program without a standing approval, in order."""
    approved = set(
        ProposalApproval.objects.filter(
            proposal=proposal, decision=ApprovalDecision.APPROVED
        ).values_list("step", flat=True)
    )
    steps = approval_steps(program_id=proposal.lead.program_id)
    return [step.name for step in steps if step.name not in approved]


def _note(
    proposal: Proposal,
    *,
    action: str,
    reason: str,
    actor: User | None,
    now: datetime,
    details: dict[str, Any],
) -> None:
    events_record(
        [
            sales_note(
                lead_id=proposal.lead_id,
                action=action,
                reason=reason,
                details={"proposal": proposal.pk, **details},
                actor=actor,
                now=now,
            )
        ]
    )


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _locked(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("lead", "lead__program")
        .get(pk=proposal.pk)
    )


def _check_amount(amount: Decimal, field: str) -> Decimal:
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        raise InputError(field, "give an amount above zero")
    if amount != amount.quantize(Decimal("0.01")):
        raise InputError(field, "give the amount in cents at most (two decimals)")
    return amount


def proposal_create(
    *,
    lead: Lead,
    amount: Decimal,
    currency: str,
    due_date: date | None = None,
    title: str = "",
    actor: User | None,
    now: datetime,
    uploads: Sequence[UploadedFile] = (),
) -> Proposal:
    """A draft proposal for the lead, noted in its history (a due date already past is kept:
    a proposal may be recorded after the fact), with its ``uploads`` as documents: a refused
    document refuses the whole proposal (InputError on ``file``), nothing written."""
    _check_amount(amount, "amount")
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise InputError("currency", "give the currency as its three-letter ISO 4217 code")
    checked = [document_check(upload) for upload in uploads]
    _check_total(sum(document.size for document in checked))
    with transaction.atomic():
        proposal = Proposal.objects.create(
            lead=lead,
            title=title.strip()[:200],
            amount=amount,
            currency=code,
            due_date=due_date,
            created_at=now,
            updated_at=now,
            created_by=actor,
        )
        due = f", due {due_date:%Y-%m-%d}" if due_date else ""
        _note(
            proposal,
            action="proposal_created",
            reason=f"Proposal #{proposal.pk} written for {_money(amount, code)}{due}.",
            actor=actor,
            now=now,
            details={"amount": str(amount), "currency": code},
        )
        for document in checked:
            _document_store(proposal, document, actor=actor, now=now)
    return proposal


def _check_total(total: int) -> None:
    if total > MAX_PROPOSAL_BYTES:
        raise InputError(
            "file",
            f"a proposal's documents together are at most {MAX_PROPOSAL_BYTES // 1024 // 1024} MB",
        )


def _document_store(
    proposal: Proposal, checked: CheckedDocument, *, actor: User | None, now: datetime
) -> ProposalDocument:
    """Store a checked document under a name nobody can guess (``proposal_document_path``)
    and note it in the lead's history; the file goes again if the row cannot be written."""
    document = ProposalDocument(
        proposal=proposal,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_at=now,
        uploaded_by=actor,
    )
    document.file.save(checked.filename, ContentFile(checked.data), save=False)
    stored = document.file
    try:
        document.save()
        _note(
            proposal,
            action="proposal_document_added",
            reason=f"Document “{checked.filename}” ({_size(checked.size)}) added to "
            f"proposal #{proposal.pk}.",
            actor=actor,
            now=now,
            details={"document": document.pk, "filename": checked.filename},
        )
    except Exception:
        stored.delete(save=False)
        raise
    return document


def _size(size: int) -> str:
    """The size in words, with a plain space (the history is plain text)."""
    return str(filesizeformat(size)).replace("\xa0", " ")


def proposal_document_add(
    *, proposal: Proposal, upload: UploadedFile, actor: User | None, now: datetime
) -> ProposalDocument:
    """Attach a checked document to the proposal (see the module): InputError on ``file`` for
    a refused file or one past the proposal's total, DomainRefused (409) once it is won or
    lost."""
    checked = document_check(upload)
    with transaction.atomic():
        locked = _locked(proposal)
        if locked.state in (ProposalState.WON, ProposalState.LOST):
            raise DomainRefused(
                f"the proposal is {locked.get_state_display().lower()}; "
                "its documents can no longer change"
            )
        total = sum(locked.documents.values_list("size", flat=True))
        _check_total(total + checked.size)
        document = _document_store(locked, checked, actor=actor, now=now)
        locked.updated_at = now
        locked.save(update_fields=["updated_at"])
    return document


def proposal_document_delete(
    *, document: ProposalDocument, actor: User | None, now: datetime
) -> None:
    """Remove a document from a draft proposal (DomainRefused once sent: what went out stays
    on record); the file is deleted once the removal has committed."""
    with transaction.atomic():
        locked = _locked(document.proposal)
        if locked.state != ProposalState.DRAFT:
            raise DomainRefused(
                f"the proposal is {locked.get_state_display().lower()}; "
                "its documents stay on record"
            )
        found = ProposalDocument.objects.select_for_update().get(pk=document.pk)
        stored = found.file
        name = found.filename
        found.delete()
        locked.updated_at = now
        locked.save(update_fields=["updated_at"])
        _note(
            locked,
            action="proposal_document_removed",
            reason=f"Document “{name}” removed from proposal #{locked.pk}.",
            actor=actor,
            now=now,
            details={"document": document.pk, "filename": name},
        )
        transaction.on_commit(lambda: stored.delete(save=False))


def proposal_decide(
    *,
    proposal: Proposal,
    step: str,
    decision: str,
    note: str = "",
    actor: User,
    now: datetime,
) -> ProposalApproval:
    """Approve or reject one step of a draft proposal, replacing the step's standing decision.

    Refused: a user the step does not name (PermissionDenied: 403); a step the program does
    not have, or a proposal no longer a draft (DomainRefused: 409).
    """
    if decision not in ApprovalDecision.values:
        raise InputError("decision", "decide approved or rejected")
    steps = {found.name: found for found in approval_steps(program_id=proposal.lead.program_id)}
    wanted = steps.get(step)
    if wanted is None:
        # A conflict with the program's settings (which the caller cannot see), not bad input.
        raise DomainRefused(
            f"the program has no approval step “{step}”; its steps are: " + ", ".join(steps)
        )
    if not wanted.may_give(actor):
        raise PermissionDenied(f"The step “{step}” is given by {wanted.who}; you are not one.")
    with transaction.atomic():
        locked = _locked(proposal)
        if locked.state != ProposalState.DRAFT:
            raise DomainRefused(
                f"the proposal is {locked.get_state_display().lower()}; approvals are closed"
            )
        approval, _ = ProposalApproval.objects.update_or_create(
            proposal=locked,
            step=step,
            defaults={"decision": decision, "note": note.strip(), "by": actor, "at": now},
        )
        locked.updated_at = now
        locked.save(update_fields=["updated_at"])
        verb = "approved" if decision == ApprovalDecision.APPROVED else "rejected"
        said = f": “{note.strip()}”" if note.strip() else "."
        _note(
            locked,
            action=f"proposal_{verb}",
            reason=f"{actor.get_username()} {verb} the step “{step}” of proposal "
            f"#{locked.pk}{said}",
            actor=actor,
            now=now,
            details={"step": step, "decision": decision},
        )
    return approval


def proposal_send(*, proposal: Proposal, actor: User, now: datetime) -> Proposal:
    """Mark the proposal sent once every step stands approved (else ApprovalsMissing, a 409
    naming the steps), and give its follow-up call to the sender."""
    with transaction.atomic():
        locked = _locked(proposal)
        if locked.state != ProposalState.DRAFT:
            raise DomainRefused(f"the proposal is already {locked.get_state_display().lower()}")
        missing = proposal_missing_steps(proposal=locked)
        if missing:
            raise ApprovalsMissing(missing)
        locked.state = ProposalState.SENT
        locked.sent_at = now
        locked.sent_by = actor
        locked.updated_at = now
        locked.save(update_fields=["state", "sent_at", "sent_by", "updated_at"])
        task = task_create(
            lead=locked.lead,
            kind=TaskKind.PROPOSAL_FOLLOW_UP,
            owner=actor,
            due_at=working_due(
                program=locked.lead.program, start=now, working_days=FOLLOW_UP_WORKING_DAYS
            ),
            title=f"Follow up proposal #{locked.pk}",
            proposal=locked,
            actor=actor,
            now=now,
        )
        _note(
            locked,
            action="proposal_sent",
            reason=f"Proposal #{locked.pk} ({_money(locked.amount, locked.currency)}) sent by "
            f"{actor.get_username()}; follow-up call due {task.due_at:%Y-%m-%d}.",
            actor=actor,
            now=now,
            details={"task": task.pk},
        )
    return locked


def proposal_won(*, proposal: Proposal, amount: Decimal, actor: User, now: datetime) -> Proposal:
    """A sent proposal won, for the amount signed (which the reports count)."""
    _check_amount(amount, "amount")
    return _close(
        proposal,
        state=ProposalState.WON,
        changes={"won_amount": amount},
        reason=lambda locked: f"Proposal #{locked.pk} won for {_money(amount, locked.currency)}.",
        details={"won_amount": str(amount)},
        actor=actor,
        now=now,
    )


def proposal_lost(*, proposal: Proposal, reason: str, actor: User, now: datetime) -> Proposal:
    """A sent proposal lost, with why."""
    why = reason.strip()[:300]
    if not why:
        raise InputError("reason", "say why the proposal was lost")
    return _close(
        proposal,
        state=ProposalState.LOST,
        changes={"lost_reason": why},
        reason=lambda locked: f"Proposal #{locked.pk} lost: {why}",
        details={"lost_reason": why},
        actor=actor,
        now=now,
    )


def _close(
    proposal: Proposal,
    *,
    state: ProposalState,
    changes: dict[str, Any],
    reason: Callable[[Proposal], str],
    details: dict[str, Any],
    actor: User,
    now: datetime,
) -> Proposal:
    """The one path of won and lost: lock, refuse anything but a sent proposal (409), set the
    outcome, note it in the lead's history."""
    with transaction.atomic():
        locked = _locked(proposal)
        if locked.state != ProposalState.SENT:
            raise DomainRefused(
                "only a sent proposal is won or lost; this one is "
                + locked.get_state_display().lower()
            )
        locked.state = state
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.closed_at = now
        locked.updated_at = now
        locked.save(update_fields=["state", *changes, "closed_at", "updated_at"])
        _note(
            locked,
            action=f"proposal_{state}",
            reason=reason(locked),
            actor=actor,
            now=now,
            details=details,
        )
    return locked

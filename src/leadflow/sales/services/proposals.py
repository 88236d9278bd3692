"""Proposals (issue 15, item 5): written for a lead, signed off step by step by the people the
program names, sent only once every step stands approved, then won or lost.

The gate: ``proposal_send`` locks the proposal row and reads the standing decisions under that
lock, and every decision takes the same lock first, so a send sees a concurrent decision
either whole or not at all (two approvers racing a send cannot slip an unapproved proposal
out). A later decision of a step replaces its standing one (a rejection is undone by approving
the step again once the proposal is revised); the lead's history keeps every decision, each
worded in plain words. See docs/DECISIONS.md, "Proposal approvals".
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.errors import DomainRefused, InputError
from leadflow.leads.models import Lead
from leadflow.leads.services import events_record
from leadflow.sales.models import (
    ApprovalDecision,
    Proposal,
    ProposalApproval,
    ProposalState,
    SalesSettings,
    TaskKind,
    default_approval_steps,
)
from leadflow.sales.services.tasks import sales_note, task_create, working_due

#: Working days after sending that the proposal's follow-up call is due.
FOLLOW_UP_WORKING_DAYS = 3
MAX_AMOUNT = Decimal("999999999999.99")


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
) -> Proposal:
    """A draft proposal for the lead, noted in its history (a due date already past is kept:
    a proposal may be recorded after the fact)."""
    _check_amount(amount, "amount")
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise InputError("currency", "give the currency as its three-letter ISO 4217 code")
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
    return proposal


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
    with transaction.atomic():
        locked = _closing(proposal)
        locked.state = ProposalState.WON
        locked.won_amount = amount
        locked.closed_at = now
        locked.updated_at = now
        locked.save(update_fields=["state", "won_amount", "closed_at", "updated_at"])
        _note(
            locked,
            action="proposal_won",
            reason=f"Proposal #{locked.pk} won for {_money(amount, locked.currency)}.",
            actor=actor,
            now=now,
            details={"won_amount": str(amount)},
        )
    return locked


def proposal_lost(*, proposal: Proposal, reason: str, actor: User, now: datetime) -> Proposal:
    """A sent proposal lost, with why."""
    why = reason.strip()
    if not why:
        raise InputError("reason", "say why the proposal was lost")
    with transaction.atomic():
        locked = _closing(proposal)
        locked.state = ProposalState.LOST
        locked.lost_reason = why[:300]
        locked.closed_at = now
        locked.updated_at = now
        locked.save(update_fields=["state", "lost_reason", "closed_at", "updated_at"])
        _note(
            locked,
            action="proposal_lost",
            reason=f"Proposal #{locked.pk} lost: {locked.lost_reason}",
            actor=actor,
            now=now,
            details={"lost_reason": locked.lost_reason},
        )
    return locked


def _closing(proposal: Proposal) -> Proposal:
    locked = _locked(proposal)
    if locked.state != ProposalState.SENT:
        raise DomainRefused(
            f"only a sent proposal is won or lost; this one is {locked.get_state_display().lower()}"
        )
    return locked

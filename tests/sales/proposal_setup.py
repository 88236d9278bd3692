"""What the proposal and reference tests share: a program whose three approval steps each name
their approver (Finance by user id, Technical by role), and a lead to write proposals for."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from leadflow.accounts.models import Role, User
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from leadflow.sales.models import Proposal, SalesSettings
from leadflow.sales.services.proposals import proposal_create, proposal_decide
from tests import factories
from tests.factories import NOW

STEPS = ["VP Sales and Marketing", "Finance", "Technical"]


@dataclass
class Approvers:
    seller: User
    vp: User
    finance: User
    technical: User
    outsider: User

    def of(self, step: str) -> User:
        return {"VP Sales and Marketing": self.vp, "Finance": self.finance}.get(
            step, self.technical
        )


def approvers(program: Program, make_user: Callable[..., User]) -> Approvers:
    """The program's steps: the VP and Finance named by id, Technical by the reviewer role."""
    found = Approvers(
        seller=make_user(Role.QUALIFIER, programs=(program,)),
        vp=make_user(Role.MANAGER, programs=(program,)),
        finance=make_user(Role.MANAGER, programs=(program,)),
        technical=make_user(Role.REVIEWER, programs=(program,)),
        outsider=make_user(Role.MANAGER, programs=(program,)),
    )
    SalesSettings.objects.update_or_create(
        program=program,
        defaults={
            "approval_steps": [
                {"name": STEPS[0], "users": [found.vp.pk], "role": ""},
                {"name": STEPS[1], "users": [found.finance.pk]},
                {"name": STEPS[2], "role": Role.REVIEWER},
            ]
        },
    )
    return found


def prospect(program: Program) -> Lead:
    return factories.lead(program=program)


def draft(lead: Lead, seller: User, amount: str = "12000.00") -> Proposal:
    return proposal_create(lead=lead, amount=Decimal(amount), currency="EUR", actor=seller, now=NOW)


def approve_all(proposal: Proposal, people: Approvers, *, skip: tuple[str, ...] = ()) -> None:
    for step in STEPS:
        if step not in skip:
            proposal_decide(
                proposal=proposal,
                step=step,
                decision="approved",
                note="fine",
                actor=people.of(step),
                now=NOW,
            )

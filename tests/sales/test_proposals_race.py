"""The approval gate under concurrency (PostgreSQL: real row locks, real threads, each thread
its own connection): a send racing a rejection, and two approvers of one step racing each
other, never let a proposal out without every step standing approved."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from leadflow.accounts.models import User
from leadflow.core.errors import DomainRefused
from leadflow.programs.models import Program
from leadflow.sales.models import (
    ApprovalDecision,
    Proposal,
    ProposalApproval,
    ProposalState,
    SalesSettings,
    Task,
)
from leadflow.sales.services.proposals import proposal_decide, proposal_send
from tests.factories import NOW
from tests.sales.proposal_setup import approve_all, approvers, draft, prospect

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are proven on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 6


def race(*jobs: Callable[[], object]) -> list[BaseException | None]:
    """Run the jobs at once, one thread (and connection) each; what each raised, or None."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[BaseException | None] = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # reported below, in the test's thread
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_a_rejection_racing_a_send_either_stops_it_or_comes_too_late(
    program: Program, make_user: Callable[..., User]
) -> None:
    people = approvers(program, make_user)
    lead = prospect(program)
    for _ in range(ROUNDS):
        proposal = draft(lead, people.seller)
        approve_all(proposal, people)
        sent, rejected = race(
            lambda p=proposal: proposal_send(proposal=p, actor=people.seller, now=NOW),
            lambda p=proposal: proposal_decide(
                proposal=p,
                step="Finance",
                decision="rejected",
                note="not at this price",
                actor=people.finance,
                now=NOW,
            ),
        )
        after = Proposal.objects.get(pk=proposal.pk)
        standing = ProposalApproval.objects.get(proposal=proposal, step="Finance").decision
        # Exactly one of the two went through, and the other was refused for what it saw.
        assert (sent is None) != (rejected is None), (sent, rejected)
        if sent is None:
            assert isinstance(rejected, DomainRefused)
            assert after.state == ProposalState.SENT
            assert standing == ApprovalDecision.APPROVED
            assert Task.objects.filter(proposal=proposal).count() == 1
        else:
            assert isinstance(sent, DomainRefused)
            assert getattr(sent, "missing", None) == ["Finance"]
            assert after.state == ProposalState.DRAFT
            assert standing == ApprovalDecision.REJECTED
            assert not Task.objects.filter(proposal=proposal).exists()


def test_two_approvers_of_one_step_racing_leave_one_standing_decision_and_the_gate_follows_it(
    program: Program, make_user: Callable[..., User]
) -> None:
    people = approvers(program, make_user)
    second = make_user(people.finance.groups.get().name, programs=(program,))
    settings = SalesSettings.objects.get(program=program)
    settings.approval_steps[1]["users"] = [people.finance.pk, second.pk]
    settings.save(update_fields=["approval_steps"])
    lead = prospect(program)
    for _ in range(ROUNDS):
        proposal = draft(lead, people.seller)
        approve_all(proposal, people, skip=("Finance",))
        first, other = race(
            lambda p=proposal: proposal_decide(
                proposal=p, step="Finance", decision="approved", actor=people.finance, now=NOW
            ),
            lambda p=proposal: proposal_decide(
                proposal=p, step="Finance", decision="rejected", actor=second, now=NOW
            ),
        )
        assert (first, other) == (None, None)
        standing = ProposalApproval.objects.filter(proposal=proposal, step="Finance")
        assert standing.count() == 1
        decisions = lead.events.filter(
            action__in=["proposal_approved", "proposal_rejected"],
            reason__contains=f"“Finance” of proposal #{proposal.pk}",
        )
        assert decisions.count() == 2
        # The later decision stands; the gate reads it.
        last = decisions.order_by("-id").first()
        assert last is not None
        assert standing.get().decision == last.action.removeprefix("proposal_")
        if standing.get().decision == ApprovalDecision.APPROVED:
            assert proposal_send(proposal=proposal, actor=people.seller, now=NOW).state == "sent"
        else:
            with pytest.raises(DomainRefused):
                proposal_send(proposal=proposal, actor=people.seller, now=NOW)

"""The demo's sales follow-up (issue 15, item 10): leads of both programs at each step (open and
overdue tasks, a scheduled on-site demo, a proposal waiting for Finance, a won proposal,
references), made by the real services, every step in the lead's history, and loaded once."""

from datetime import timedelta

import pytest
from django.test import Client

from leadflow.accounts.models import User
from leadflow.demo.seed import demo_load
from leadflow.leads.models import LeadEvent
from leadflow.programs.models import Program
from leadflow.sales.demo import demo_sales
from leadflow.sales.models import (
    Assessment,
    AssessmentState,
    Demo,
    DemoState,
    Proposal,
    ProposalState,
    Reference,
    ReferenceUse,
    SalesSettings,
    Task,
    TaskState,
)
from leadflow.sales.services.proposals import proposal_missing_steps
from tests.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http")]


def test_each_demo_program_has_leads_at_each_step_of_the_sales_follow_up() -> None:
    demo_load(now=NOW)
    assert Program.objects.count() == 2
    for program in Program.objects.all():
        tasks = Task.objects.filter(lead__program=program, state=TaskState.OPEN)
        assert tasks.filter(due_at__lt=NOW).exists(), program  # overdue
        assert tasks.filter(due_at__gte=NOW).exists(), program  # today and upcoming
        on_site = Demo.objects.get(lead__program=program, kind="on_site")
        assert on_site.state == DemoState.SCHEDULED
        assert on_site.starts_at >= NOW + timedelta(days=14)
        assert Demo.objects.filter(lead__program=program, state=DemoState.DONE).exists()
        waiting = Proposal.objects.get(lead__program=program, state=ProposalState.DRAFT)
        assert proposal_missing_steps(proposal=waiting) == ["Finance"]
        won = Proposal.objects.get(lead__program=program, state=ProposalState.WON)
        assert won.approvals.filter(decision="approved").count() == 3
        assert won.won_amount is not None
        assert ReferenceUse.objects.filter(proposal=won).exists()
        assert Reference.objects.filter(client=program.client).count() >= 4
        returned = Assessment.objects.get(lead__program=program)
        assert returned.state == AssessmentState.RETURNED
        assert returned.outcome == "remote_demo"
        demo_history = set(
            LeadEvent.objects.filter(lead_id=on_site.lead_id).values_list("action", flat=True)
        )
        assert {"sales_demo_scheduled", "sales_demo_done"} <= demo_history
        won_history = list(
            LeadEvent.objects.filter(lead_id=won.lead_id, action__startswith="proposal_")
            .order_by("at", "id")
            .values_list("action", flat=True)
        )
        assert won_history == [
            "proposal_created",
            "proposal_approved",
            "proposal_approved",
            "proposal_approved",
            "proposal_sent",
            "proposal_won",
        ]
    assert LeadEvent.objects.filter(action="proposal_won").count() == 2
    assert not LeadEvent.objects.filter(at__gt=NOW).exists()
    qualifier = User.objects.get(username="qualifier")
    assert Task.objects.filter(owner=qualifier, state=TaskState.OPEN).exists()  # inside sales


def test_loading_the_demo_again_adds_no_second_task_demo_or_proposal() -> None:
    demo_load(now=NOW)
    counts = (Task.objects.count(), Demo.objects.count(), Proposal.objects.count())
    demo_load(now=NOW + timedelta(days=1))
    actors = {user.username: user for user in User.objects.all()}
    again = demo_sales(programs=list(Program.objects.all()), actors=actors, now=NOW)
    assert again.programs == []
    assert (Task.objects.count(), Demo.objects.count(), Proposal.objects.count()) == counts
    assert SalesSettings.objects.count() == 2


def test_the_demo_users_find_their_sales_follow_up_in_the_web_app(client: Client) -> None:
    demo_load(now=NOW)
    client.force_login(User.objects.get(username="qualifier"))
    home = client.get("/").content.decode()
    assert 'data-testid="tasks-overdue"' in home
    won = Proposal.objects.filter(state=ProposalState.WON).order_by("id").first()
    assert won is not None
    client.force_login(User.objects.get(username="manager"))
    page = client.get(f"/sales/proposals/{won.pk}/").content.decode()
    assert "Won for 34500.00 USD" in page
    client.force_login(User.objects.get(username="client"))
    assert client.get(f"/sales/proposals/{won.pk}/").status_code == 404

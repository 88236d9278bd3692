"""The sales pages: "My tasks" on the home page (overdue first, today, upcoming), the sales
panel on a lead's page, the task list with done and cancel, the proposal page with its
approval steps, the references search with its over-use flag, the calendar feed page; and who
sees what: staff their programs' leads, a partner's user only its assigned leads' items, a
client contact nothing of sales (404, no section, no menu entry)."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.leads.models import Lead, LeadEvent
from leadflow.notifications.models import OutboxMessage
from leadflow.partners.services.routing import leads_route
from leadflow.programs.models import Program
from leadflow.sales.models import Proposal, ProposalState, SalesSettings, Task, TaskState
from leadflow.sales.services.kits import kit_create
from leadflow.sales.services.proposals import proposal_create, proposal_decide
from leadflow.sales.services.references import reference_create, reference_use
from leadflow.sales.services.tasks import task_create
from tests import factories
from tests.factories import NOW, Leads, Team

pytestmark = [pytest.mark.usefixtures("plain_http"), pytest.mark.django_db]


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def task(
    lead: Lead, owner: User, *, hours: float, kind: str = "follow_up_call", **extra: str
) -> Task:
    return task_create(
        lead=lead,
        kind=kind,
        owner=owner,
        due_at=NOW + timedelta(hours=hours),
        actor=owner,
        now=NOW - timedelta(days=3),
        **extra,
    )


@pytest.fixture
def partner_lead(other_program: Program, team: Team) -> Lead:
    """A lead of the partner program, routed to the partner ``team.partner`` works for."""
    factories.partner(client=other_program.client, number=1, members=[team.partner])
    lead = factories.rated_lead(
        program=other_program,
        rating="a",
        qualifying=True,
        country="US",
        subdivision="CA",
        first_name="Field",
        last_name="Prospect",
        email="field@prospect.example",
    )
    [result] = leads_route(lead_ids=[lead.pk], now=NOW)
    assert result.partner_id is not None, result
    return lead


def test_my_tasks_on_the_home_page_lists_overdue_first_then_today_then_upcoming(
    client: Client, team: Team, leads: Leads
) -> None:
    task(leads.a, team.qualifier, hours=48, title="Call Grace about the budget")
    task(leads.b, team.qualifier, hours=-26, title="Call Alan back")
    task(leads.hot, team.qualifier, hours=2, title="Send Hedy the kit", kind="send_sales_kit")
    task(leads.c, team.manager, hours=-1, title="Not the qualifier's")
    client.force_login(team.qualifier)
    page = text(client.get("/"))
    assert "My tasks" in page
    overdue, today, upcoming = (
        page.index('data-testid="tasks-overdue"'),
        page.index('data-testid="tasks-today"'),
        page.index('data-testid="tasks-upcoming"'),
    )
    assert overdue < today < upcoming
    assert overdue < page.index("Call Alan back") < today
    assert today < page.index("Send Hedy the kit") < upcoming
    assert upcoming < page.index("Call Grace about the budget")
    assert "Not the qualifier" not in page
    assert "Overdue" in page


def test_a_task_done_from_the_home_page_records_its_outcome_in_the_leads_history(
    client: Client, team: Team, leads: Leads
) -> None:
    made = task(leads.a, team.qualifier, hours=-2, title="Call Grace")
    client.force_login(team.qualifier)
    response = client.post(
        f"/sales/tasks/{made.pk}/done", {"outcome": "Budget approved in Q1", "next": "/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    made.refresh_from_db()
    assert made.state == TaskState.DONE
    assert made.outcome == "Budget approved in Q1"
    page = text(client.get("/"))
    assert "“Call Grace” done for lead" in page
    assert "No open tasks." in page
    history = " ".join(LeadEvent.objects.filter(lead=leads.a).values_list("reason", flat=True))
    assert "Budget approved in Q1" in history


def test_a_task_cancelled_from_the_lead_page_goes_back_to_the_lead(
    client: Client, team: Team, leads: Leads
) -> None:
    made = task(leads.a, team.qualifier, hours=5, title="Call Grace")
    client.force_login(team.manager)
    response = client.post(f"/sales/tasks/{made.pk}/cancel", {"outcome": "Duplicate"})
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{leads.a.pk}/#sales-heading"
    made.refresh_from_db()
    assert made.state == TaskState.CANCELLED


def test_the_lead_page_shows_the_sales_panel_with_its_tasks_and_proposals(
    client: Client, team: Team, leads: Leads
) -> None:
    task(leads.a, team.qualifier, hours=5, title="Call Grace")
    proposal_create(
        lead=leads.a, amount=Decimal("12000"), currency="EUR", actor=team.manager, now=NOW
    )
    client.force_login(team.manager)
    page = text(client.get(f"/leads/{leads.a.pk}/"))
    assert 'data-testid="sales-panel"' in page
    assert "Call Grace" in page
    assert "12000.00 EUR" in page
    assert "Waiting for: VP Sales and Marketing, Finance, Technical." in page
    assert "Mark the proposal sent</button>" in page
    assert "disabled>Mark the proposal sent" in page


def test_the_task_list_shows_mine_or_everyones_and_the_closed_ones(
    client: Client, team: Team, leads: Leads
) -> None:
    task(leads.a, team.qualifier, hours=5, title="Mine to do")
    task(leads.b, team.manager, hours=5, title="Manager task")
    done = task(leads.c, team.qualifier, hours=5, title="Already done")
    client.force_login(team.qualifier)
    client.post(f"/sales/tasks/{done.pk}/done", {"outcome": "ok"})
    client.get("/sales/calendar/")  # shows the message "… done"
    mine = text(client.get("/sales/"))
    assert "Mine to do" in mine
    assert "Manager task" not in mine
    assert "Already done" not in mine
    everyone = text(client.get("/sales/?whose=all"))
    assert "Mine to do" in everyone
    assert "Manager task" in everyone
    closed = text(client.get("/sales/?state=done"))
    assert "Already done" in closed
    assert "Mine to do" not in closed


# --- Who sees what ----------------------------------------------------------------------------


PAGES = ("/sales/", "/sales/references/", "/sales/calendar/")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("manager", 200),
        ("marketer", 200),
        ("qualifier", 200),
        ("reviewer", 200),
        ("partner", 200),
        ("client_contact", 404),
    ],
)
def test_the_sales_pages_are_for_staff_and_partners_and_hidden_from_client_contacts(
    client: Client, team: Team, role: str, status: int
) -> None:
    client.force_login(getattr(team, role))
    for path in PAGES:
        assert client.get(path).status_code == status, path
    menu = text(client.get("/"))
    assert ('href="/sales/"' in menu) is (status == 200)


def test_a_client_contact_sees_no_sales_follow_up_of_its_delivered_leads(
    client: Client, team: Team, leads: Leads, program: Program
) -> None:
    factories.delivery(program=program, leads=[leads.a], at=NOW)
    made = task(leads.a, team.qualifier, hours=5, title="Call Grace")
    proposal = proposal_create(
        lead=leads.a, amount=Decimal("100"), currency="USD", actor=team.manager, now=NOW
    )
    client.force_login(team.client_contact)
    assert "My tasks" not in text(client.get("/"))
    for path in (
        f"/sales/leads/{leads.a.pk}/",
        f"/sales/proposals/{proposal.pk}/",
        f"/sales/leads/{leads.a.pk}/proposals/new",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/sales/tasks/{made.pk}/done").status_code == 404
    assert client.post(f"/sales/proposals/{proposal.pk}/send").status_code == 404


def test_a_reviewer_reads_the_sales_follow_up_but_does_not_work_it(
    client: Client, team: Team, leads: Leads
) -> None:
    made = task(leads.a, team.qualifier, hours=5, title="Call Grace")
    client.force_login(team.reviewer)
    page = text(client.get(f"/sales/leads/{leads.a.pk}/"))
    assert "Call Grace" in page
    assert f"/sales/tasks/{made.pk}/done" not in page
    assert client.post(f"/sales/tasks/{made.pk}/done").status_code == 403
    assert client.get(f"/sales/leads/{leads.a.pk}/proposals/new").status_code == 403


def test_a_partner_sees_only_the_sales_items_of_its_assigned_leads(
    client: Client, team: Team, leads: Leads, partner_lead: Lead
) -> None:
    mine = task(partner_lead, team.partner, hours=-3, title="Visit the field prospect")
    theirs = task(leads.a, team.qualifier, hours=5, title="Call Grace")
    proposal = proposal_create(
        lead=leads.a, amount=Decimal("100"), currency="USD", actor=team.manager, now=NOW
    )
    client.force_login(team.partner)
    home = text(client.get("/"))
    assert "Visit the field prospect" in home
    assert f'href="/sales/leads/{partner_lead.pk}/"' in home  # no workspace for partners
    page = text(client.get(f"/sales/leads/{partner_lead.pk}/"))
    assert "Visit the field prospect" in page
    assert "Call Grace" not in text(client.get("/sales/?whose=all"))
    assert client.get(f"/sales/leads/{leads.a.pk}/").status_code == 404
    assert client.get(f"/sales/proposals/{proposal.pk}/").status_code == 404
    assert client.post(f"/sales/tasks/{theirs.pk}/done").status_code == 404
    assert client.post(f"/sales/tasks/{mine.pk}/done", {"outcome": "Met"}).status_code == 302
    mine.refresh_from_db()
    assert mine.state == TaskState.DONE


def test_a_manager_of_another_program_gets_404_for_this_programs_sales_items(
    client: Client, team: Team, leads: Leads
) -> None:
    made = task(leads.a, team.qualifier, hours=5, title="Call Grace")
    proposal = proposal_create(
        lead=leads.a, amount=Decimal("100"), currency="USD", actor=team.manager, now=NOW
    )
    client.force_login(team.outsider)
    assert client.get(f"/sales/leads/{leads.a.pk}/").status_code == 404
    assert client.get(f"/sales/proposals/{proposal.pk}/").status_code == 404
    assert client.post(f"/sales/tasks/{made.pk}/cancel").status_code == 404
    assert "Call Grace" not in text(client.get("/sales/?whose=all"))


# --- Proposals ----------------------------------------------------------------------------------


@pytest.fixture
def steps(program: Program, team: Team, make_user: Callable[..., User]) -> dict[str, User]:
    finance = make_user(Role.MANAGER, programs=(program,))
    finance.first_name, finance.last_name = "Fiona", "Numbers"
    finance.save()
    SalesSettings.objects.update_or_create(
        program=program,
        defaults={
            "approval_steps": [
                {"name": "VP Sales and Marketing", "users": [team.manager.pk]},
                {"name": "Finance", "users": [finance.pk]},
                {"name": "Technical", "role": Role.REVIEWER},
            ]
        },
    )
    return {"vp": team.manager, "finance": finance, "technical": team.reviewer}


def test_the_proposal_page_names_each_step_who_approved_it_and_the_note(
    client: Client, team: Team, leads: Leads, steps: dict[str, User]
) -> None:
    proposal = proposal_create(
        lead=leads.a, amount=Decimal("25000"), currency="USD", actor=team.qualifier, now=NOW
    )
    client.force_login(team.manager)
    response = client.post(
        f"/sales/proposals/{proposal.pk}/approvals",
        {"step": "VP Sales and Marketing", "decision": "approved", "note": "Margin is fine"},
    )
    assert response.status_code == 302
    page = text(client.get(f"/sales/proposals/{proposal.pk}/"))
    assert "“Margin is fine”" in page
    assert "<strong>approved</strong> by" in page
    assert "given by Fiona Numbers" in page  # Finance: named
    assert "given by any QA reviewer" in page
    assert "Waiting for: Finance, Technical." in page
    # The manager is not Finance: no button for that step, and the service refuses it.
    assert 'value="Finance"' not in page
    client.post(
        f"/sales/proposals/{proposal.pk}/approvals", {"step": "Finance", "decision": "approved"}
    )
    assert not proposal.approvals.filter(step="Finance").exists()


def test_a_proposal_is_sent_only_once_every_step_is_approved_then_won(
    client: Client, team: Team, leads: Leads, steps: dict[str, User]
) -> None:
    proposal = proposal_create(
        lead=leads.a, amount=Decimal("25000"), currency="USD", actor=team.qualifier, now=NOW
    )
    client.force_login(team.qualifier)
    refused = client.post(f"/sales/proposals/{proposal.pk}/send", follow=True)
    assert "Not sent: the proposal cannot be sent before every approval step is approved" in (
        text(refused)
    )
    assert "missing: VP Sales and Marketing, Finance, Technical." in text(refused)
    for step, who in (
        ("VP Sales and Marketing", "vp"),
        ("Finance", "finance"),
        ("Technical", "technical"),
    ):
        proposal_decide(
            proposal=proposal, step=step, decision="approved", note="", actor=steps[who], now=NOW
        )
    sent = text(client.post(f"/sales/proposals/{proposal.pk}/send", follow=True))
    assert "marked sent; a follow-up call is on your tasks" in sent
    won = text(
        client.post(f"/sales/proposals/{proposal.pk}/won", {"won_amount": "24000"}, follow=True)
    )
    assert f"Proposal #{proposal.pk} won." in won
    assert "Won for 24000.00 USD" in won
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.WON


def test_writing_a_proposal_with_a_bad_currency_says_so_beside_the_field(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.qualifier)
    response = client.post(
        f"/sales/leads/{leads.a.pk}/proposals/new", {"amount": "100", "currency": "E12"}
    )
    assert response.status_code == 400
    assert "Use the three letters of the currency" in text(response)
    assert not Proposal.objects.exists()
    made = client.post(
        f"/sales/leads/{leads.a.pk}/proposals/new",
        {"amount": "1500.50", "currency": "eur", "due_date": "2026-12-01"},
    )
    proposal = Proposal.objects.get()
    assert made["Location"] == f"/sales/proposals/{proposal.pk}/"
    assert (proposal.amount, proposal.currency) == (Decimal("1500.50"), "EUR")


# --- References and the calendar feed ---------------------------------------------------------


def test_references_are_searched_and_flagged_at_the_quarters_limit(
    client: Client, team: Team, leads: Leads, program: Program
) -> None:
    used = reference_create(
        client=program.client,
        customer="Initech",
        actor=team.manager,
        now=NOW,
        products="Analytics, CRM",
        industry="Software",
        region="Texas",
    )
    reference_create(
        client=program.client,
        customer="Umbrella Corp",
        actor=team.manager,
        now=NOW,
        products="CRM",
        industry="Healthcare",
    )
    for amount in ("100", "200"):
        proposal = proposal_create(
            lead=leads.a, amount=Decimal(amount), currency="USD", actor=team.manager, now=NOW
        )
        reference_use(proposal=proposal, reference=used, actor=team.manager, now=NOW)
    client.force_login(team.qualifier)
    everything = text(client.get("/sales/references/"))
    assert "Initech" in everything
    assert "Umbrella Corp" in everything
    assert everything.count('data-testid="over-used"') == 1
    assert "2 of 2" in everything
    assert "Limit reached: ask another customer" in everything
    software = text(client.get("/sales/references/?industry=software"))
    assert "Initech" in software
    assert "Umbrella Corp" not in software
    texas = text(client.get("/sales/references/?q=texas"))
    assert "Initech" in texas
    assert "Umbrella Corp" not in texas
    assert "No reference matches" in text(client.get("/sales/references/?product=ERP"))


def test_the_calendar_page_makes_shows_replaces_and_revokes_the_private_address(
    client: Client, team: Team, leads: Leads
) -> None:
    task(leads.a, team.qualifier, hours=5, title="Call Grace")
    client.force_login(team.qualifier)
    assert "You have no calendar address" in text(client.get("/sales/calendar/"))
    client.post("/sales/calendar/new")
    page = text(client.get("/sales/calendar/"))
    token = team.qualifier.sales_calendar_feed.token
    assert f"/sales/feed/{token}.ics" in page
    client.logout()
    feed = client.get(f"/sales/feed/{token}.ics")  # no session: the token is the key
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")
    assert "Call Grace" in text(feed)
    client.force_login(team.qualifier)
    client.post("/sales/calendar/new")
    assert client.get(f"/sales/feed/{token}.ics").status_code == 404  # replaced
    client.post("/sales/calendar/revoke")
    assert "You have no calendar address" in text(client.get("/sales/calendar/"))


def test_send_the_sales_kit_from_the_panel_queues_the_e_mail_and_says_to_whom(
    client: Client, team: Team, leads: Leads, program: Program
) -> None:
    kit_create(
        program=program,
        name="Product overview",
        subject="Hello {{ first_name }}",
        body="Our overview: https://example.com/o",
        now=NOW,
    )
    client.force_login(team.qualifier)
    page = text(client.get(f"/leads/{leads.a.pk}/"))
    assert "Send the sales kit</button>" in page
    response = client.post(f"/sales/leads/{leads.a.pk}/kit", follow=True)
    assert "Sales kit “Product overview” sent to grace@cobol.example." in text(response)
    assert OutboxMessage.objects.filter(content__subject="Hello Grace").exists()
    assert "sent 1 time" in text(client.get(f"/leads/{leads.a.pk}/"))


def test_without_a_kit_the_panel_says_so_and_offers_no_button(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.qualifier)
    page = text(client.get(f"/leads/{leads.a.pk}/"))
    assert "This program has no sales kit yet." in page
    assert "Send the sales kit</button>" not in page


def test_a_rejected_step_shows_its_note_until_approved_and_a_sent_proposal_can_be_lost(
    client: Client, team: Team, leads: Leads, steps: dict[str, User]
) -> None:
    proposal = proposal_create(
        lead=leads.a, amount=Decimal("9000"), currency="USD", actor=team.qualifier, now=NOW
    )
    client.force_login(steps["finance"])
    client.post(
        f"/sales/proposals/{proposal.pk}/approvals",
        {"step": "Finance", "decision": "rejected", "note": "Discount too deep"},
    )
    page = text(client.get(f"/sales/proposals/{proposal.pk}/"))
    assert "<strong>rejected</strong> by Fiona Numbers" in page
    assert "“Discount too deep”" in page
    assert "Waiting for: VP Sales and Marketing, Finance, Technical." in page
    client.post(
        f"/sales/proposals/{proposal.pk}/approvals", {"step": "Finance", "decision": "approved"}
    )
    for step, who in (("VP Sales and Marketing", "vp"), ("Technical", "technical")):
        proposal_decide(
            proposal=proposal, step=step, decision="approved", note="", actor=steps[who], now=NOW
        )
    client.force_login(team.qualifier)
    assert "Every step is approved" in text(client.get(f"/sales/proposals/{proposal.pk}/"))
    client.post(f"/sales/proposals/{proposal.pk}/send")
    refused = text(client.post(f"/sales/proposals/{proposal.pk}/lost", follow=True))
    assert "Nothing changed: say why the proposal was lost." in refused
    lost = text(
        client.post(
            f"/sales/proposals/{proposal.pk}/lost",
            {"lost_reason": "Went with a competitor"},
            follow=True,
        )
    )
    assert "Lost on" in lost
    assert "Went with a competitor" in lost
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.LOST

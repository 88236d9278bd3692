"""The seller's journey in a real browser, from a demo request to a won proposal: the request's
task waits in "My tasks"; the seller schedules a remote demo from the lead's sales panel and
marks the preparation done; writes a proposal that the named approvers sign off step by step
(Finance is a named person, Technical any QA reviewer); sends it once every step is approved
and records it won. Every step is in the lead's history. Also the demo data's pages as the
demo users see them (references with the over-use flag, the calendar feed, a partner's view)."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role, User
from leadflow.accounts.services import user_create
from leadflow.core.enums import InquiryType
from leadflow.demo.seed import demo_load, demo_password
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from leadflow.sales.models import Demo, Proposal, ProposalState, SalesSettings
from leadflow.sales.services.tasks import lead_flow_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def sign_in(page: Page, live_server: LiveServer, username: str, password: str, path: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def person(username: str, role: Role, program: Program, first: str, last: str) -> User:
    return user_create(
        username=username,
        password=f"{username}-pass-2026",
        roles=(role,),
        programs=(program,),
        email=f"{username}@acme.example",
        first_name=first,
        last_name=last,
    )


def test_a_demo_request_travels_to_a_won_proposal_with_every_step_in_its_history(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    program: Program,
    make_lead: Callable[..., Lead],
) -> None:
    seller = person("sam", Role.QUALIFIER, program, "Sam", "Seller")
    vp = person("vera", Role.MANAGER, program, "Vera", "Vice")
    finance = person("fiona", Role.MANAGER, program, "Fiona", "Numbers")
    person("ted", Role.REVIEWER, program, "Ted", "Tech")
    SalesSettings.objects.create(
        program=program,
        approval_steps=[
            {"name": "VP Sales and Marketing", "users": [vp.pk]},
            {"name": "Finance", "users": [finance.pk]},
            {"name": "Technical", "role": Role.REVIEWER},
        ],
    )
    lead = make_lead(
        program,
        first_name="Grace",
        last_name="Hopper",
        email="grace@cobol.example",
        company="Cobol Systems",
        inquiry_type=InquiryType.DEMO_REQUEST,
    )
    [prepare] = lead_flow_start(lead=lead, owner=seller, actor=None, now=timezone.now())
    page.set_viewport_size(DESKTOP)

    sign_in(page, live_server, "sam", "sam-pass-2026", "/")
    tasks = page.get_by_test_id("my-tasks")
    expect(tasks).to_contain_text(prepare.title or prepare.get_kind_display())
    expect(tasks).to_contain_text("Grace Hopper, Cobol Systems")
    page.screenshot(path=str(screenshots / "sales-home.png"), full_page=True)

    tasks.get_by_role("link", name=f"#{lead.pk} Grace Hopper, Cobol Systems").click()
    panel = page.get_by_test_id("sales-panel")
    expect(panel).to_be_visible()
    panel.get_by_role("link", name="Schedule a demo").click()
    expect(page.get_by_role("heading", name="Schedule a demo")).to_be_visible()
    page.get_by_label("Remote (online meeting)").check()
    page.get_by_label("Timezone of the participants").select_option("Europe/Berlin")
    day = (timezone.now() + timedelta(days=7)).date()
    page.get_by_label("Starts").fill(f"{day:%Y-%m-%d}T15:00")
    page.get_by_label("Ends").fill(f"{day:%Y-%m-%d}T16:00")
    page.get_by_label("Meeting link").fill("https://meet.example/cobol")
    page.get_by_label("Objectives").fill("Show the reporting to the IT director.")
    page.screenshot(path=str(screenshots / "sales-demo-form.png"), full_page=True)
    page.get_by_role("button", name="Schedule the demo").click()
    expect(page.get_by_text("Remote demo scheduled; the invitation went to")).to_be_visible()
    panel = page.get_by_test_id("sales-panel")
    expect(panel.get_by_test_id("demo")).to_contain_text("15:00")
    expect(panel.get_by_test_id("demo")).to_contain_text("Europe/Berlin")

    # Scheduling the demo was the request's task: it is done by itself.
    expect(panel.get_by_test_id("task")).to_have_count(0)
    page.screenshot(path=str(screenshots / "sales-panel-demo-scheduled.png"), full_page=True)

    page.get_by_test_id("sales-panel").get_by_role("link", name="Write a proposal").click()
    page.get_by_label("Amount", exact=True).fill("25000")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("it now needs its approvals")).to_be_visible()
    proposal = Proposal.objects.get(lead=lead)
    proposal_path = f"/sales/proposals/{proposal.pk}/"
    expect(page.get_by_role("button", name="Mark the proposal sent")).to_be_disabled()
    expect(page.get_by_test_id("proposal-missing")).to_contain_text(
        "Waiting for: VP Sales and Marketing, Finance, Technical."
    )
    page.screenshot(path=str(screenshots / "sales-proposal-draft.png"), full_page=True)

    for username, step, note in (
        ("vera", "VP Sales and Marketing", "Margin is fine"),
        ("fiona", "Finance", "Payment terms 30 days"),
        ("ted", "Technical", ""),
    ):
        sign_in(page, live_server, username, f"{username}-pass-2026", proposal_path)
        step_row = page.get_by_test_id("step").filter(has_text=step)
        step_row.get_by_placeholder("Note (optional)").fill(note)
        step_row.get_by_role("button", name=f"Approve “{step}”").click()
        expect(page.get_by_text(f"“{step}” approved for proposal #{proposal.pk}.")).to_be_visible()
    expect(page.get_by_test_id("step").filter(has_text="Finance")).to_contain_text(
        "approved by Fiona Numbers"
    )
    expect(page.get_by_text("“Payment terms 30 days”")).to_be_visible()
    page.screenshot(path=str(screenshots / "sales-proposal-approved.png"), full_page=True)

    sign_in(page, live_server, "sam", "sam-pass-2026", proposal_path)
    page.get_by_role("button", name="Mark the proposal sent").click()
    expect(page.get_by_text("marked sent; a follow-up call is on your tasks")).to_be_visible()
    page.goto(f"{live_server.url}/")
    follow_up = page.get_by_test_id("my-tasks").get_by_test_id("task")
    expect(follow_up).to_contain_text(f"Follow up proposal #{proposal.pk}")
    follow_up.get_by_placeholder("Outcome (optional)").fill("They sign this week")
    follow_up.get_by_role("button", name="Done").click()
    expect(page.get_by_text(f"“Follow up proposal #{proposal.pk}” done")).to_be_visible()
    page.goto(f"{live_server.url}{proposal_path}")
    page.get_by_label("Amount won (EUR)").fill("24000")
    page.get_by_role("button", name="Won", exact=True).click()
    expect(page.get_by_test_id("proposal-result")).to_contain_text("Won for 24000.00 EUR")
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.WON

    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    history = page.locator(".ws-history")
    for words in (
        "Schedule the demo",
        "Demo scheduled for",
        "They sign this week",
        "approved the step “VP Sales and Marketing”",
        "approved the step “Finance”",
        "approved the step “Technical”",
        f"Proposal #{proposal.pk}",
        "sent by sam",
        "won for",
    ):
        expect(history).to_contain_text(words)
    page.screenshot(path=str(screenshots / "sales-lead.png"), full_page=True)

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    page.screenshot(path=str(screenshots / "sales-home-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the home page scrolls sideways at phone width ({width}px)"


def test_the_demos_sales_pages_read_well(
    page: Page, screenshots: Path, live_server: LiveServer
) -> None:
    demo_load(now=timezone.now())
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "qualifier", demo_password("qualifier"), "/")
    expect(page.get_by_test_id("tasks-overdue")).to_be_visible()
    page.screenshot(path=str(screenshots / "sales-demo-home.png"), full_page=True)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sales").click()
    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    page.screenshot(path=str(screenshots / "sales-tasks.png"), full_page=True)
    page.get_by_role("link", name="References").click()
    expect(page.get_by_test_id("over-used").first).to_be_visible()
    page.screenshot(path=str(screenshots / "sales-references.png"), full_page=True)
    page.goto(f"{live_server.url}/sales/calendar/")
    page.get_by_role("button", name="Make my calendar address").click()
    expect(page.get_by_test_id("feed-url")).to_be_visible()
    assert "/sales/feed/" in page.get_by_test_id("feed-url").input_value()
    page.screenshot(path=str(screenshots / "sales-calendar.png"), full_page=True)

    waiting = Proposal.objects.filter(state=ProposalState.DRAFT).order_by("id").first()
    assert waiting is not None
    page.goto(f"{live_server.url}/sales/proposals/{waiting.pk}/")
    expect(page.get_by_test_id("proposal-missing")).to_contain_text("Waiting for: Finance.")
    page.screenshot(path=str(screenshots / "sales-proposal-waiting.png"), full_page=True)
    on_site = Demo.objects.filter(kind="on_site").order_by("id").first()
    assert on_site is not None
    page.goto(f"{live_server.url}/leads/{on_site.lead_id}/")
    expect(page.get_by_test_id("sales-panel")).to_contain_text("On site demo")
    page.screenshot(path=str(screenshots / "sales-panel-demo.png"), full_page=True)
    page.goto(f"{live_server.url}/sales/leads/{on_site.lead_id}/demos/new")
    page.get_by_label("On-site (at the prospect)").check()
    page.get_by_label("Location").fill("Head office")
    day = (timezone.now() + timedelta(days=3)).date()
    page.get_by_label("Starts").fill(f"{day:%Y-%m-%d}T10:00")
    page.get_by_label("Ends").fill(f"{day:%Y-%m-%d}T12:00")
    page.get_by_role("button", name="Schedule the demo").click()
    expect(page.get_by_test_id("form-problems")).to_contain_text(
        "An on-site demo must be booked at least 14 days ahead"
    )
    page.screenshot(path=str(screenshots / "sales-demo-too-soon.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    page.screenshot(path=str(screenshots / "sales-demo-home-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the home page scrolls sideways at phone width ({width}px)"
    page.goto(f"{live_server.url}/leads/{on_site.lead_id}/")
    page.screenshot(path=str(screenshots / "sales-panel-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the lead page scrolls sideways at phone width ({width}px)"

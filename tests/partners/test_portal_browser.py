"""The partner's journeys in a real browser.

1. Notified → claim → contact → outcome: a lead routed to a partner sends a real e-mail (the
   outbox through a real SMTP server); the partner's user follows the e-mail's link, signs in,
   claims the lead, records the first contact and wins it.
2. Missed deadlines: with the clock moved past the claim deadline the SLA sweep takes the lead
   away (404 for the old partner, gone from its inbox, a violation in its record); the third
   violation disables its lead flow, and a manager re-enables it with a note.
"""

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.models import EventKind, Lead
from leadflow.partners.models import Assignment, EndReason, FlowChange, Partner, Violation
from leadflow.partners.services import (
    lead_claim,
    lead_contact_record,
    leads_route,
    sla_sweep,
)
from leadflow.programs.models import Client, Program
from tests.partners.conftest import member
from tests.receivers import SmtpServer
from tests.tasks import IMMEDIATE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "not-used-123"  # the password of every ``make_user`` user


def sign_in(page: Page, user: User) -> None:
    """Sign in on the page the browser was sent to (the sign-in form with ``next``)."""
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def fresh_sign_in(page: Page, live_server: LiveServer, user: User, path: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{path}")
    sign_in(page, user)
    expect(page).to_have_url(f"{live_server.url}{path}")


def route(lead: Lead) -> Assignment:
    """The lead's assignment: the hand-off its approval announced has routed it already when
    the tasks run at once; otherwise it is routed now."""
    if not Assignment.objects.active().filter(lead=lead).exists():
        [result] = leads_route(lead_ids=[lead.pk], now=timezone.now())
        assert result.status == "assigned", result
    return Assignment.objects.active().select_related("partner").get(lead=lead)


def work_it(lead: Lead, user: User) -> None:
    """The backup partner claims the lead and calls at once: its clocks keep it out of the
    sweeps of the following rounds."""
    now = timezone.now()
    lead_claim(lead_id=lead.pk, user=user, now=now)
    lead_contact_record(lead_id=lead.pk, user=user, channel="phone", at=now, note="", now=now)


@override_settings(TASKS=IMMEDIATE)
def test_a_notified_partner_claims_contacts_and_wins_the_lead(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    smtp_server: SmtpServer,
    settings: Settings,
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    settings.SITE_URL = live_server.url
    partner = make_partner("Bay Area Resellers")
    user = member(partner)
    lead = make_approved(
        partner_program,
        "hot",
        first_name="Grace",
        last_name="Hopper",
        title="CTO",
        email="grace@cobol.example",
        phone="+14155550123",
        company="Cobol Systems",
        profile={"current_environment": "mainframe", "pending_needs": "cloud migration"},
    )
    route(make_approved(partner_program, "b", company="Difference Engines", first_name="Ada"))
    assignment = route(lead)
    assert assignment.partner == partner

    [mail] = [m for m in smtp_server.messages if f"#{lead.pk}:" in str(m["Subject"])]
    assert user.email in str(mail["To"])
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    [link] = re.findall(r"https?://\S+/partners/leads/\d+/", body.get_content())
    assert link == f"{live_server.url}/partners/leads/{lead.pk}/"

    page.set_viewport_size(DESKTOP)
    page.goto(link)
    sign_in(page, user)
    expect(page).to_have_url(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cobol Systems")
    expect(page.get_by_test_id("status")).to_have_text("Assigned")
    expect(page.get_by_test_id("clock-contact")).to_contain_text("left")

    page.get_by_role("link", name="Your leads").click()
    expect(page.get_by_test_id("inbox-row")).to_have_count(2)
    hot_row = page.get_by_test_id("inbox-row").first  # the Hot lead's contact is due first
    expect(hot_row).to_contain_text("Cobol Systems")
    expect(hot_row.get_by_test_id("countdown")).to_contain_text("First contact:")
    page.screenshot(path=str(screenshots / "partner-inbox.png"), full_page=True)

    hot_row.get_by_role("link", name="Cobol Systems").click()
    expect(page).to_have_url(link)
    page.screenshot(path=str(screenshots / "partner-lead.png"), full_page=True)
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the lead page scrolls sideways on a phone ({width}px)"

    page.get_by_role("button", name="Claim this lead").click()
    expect(page.get_by_text(f"Lead #{lead.pk} claimed.")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("Claimed")
    expect(page.get_by_test_id("clock-claim")).to_contain_text("Done")

    contact = page.locator("form[action$='/contact/']")
    contact.get_by_label("Channel").select_option("phone")
    contact.get_by_label("Note").fill("Spoke to Grace: demo next Tuesday.")
    contact.get_by_role("button", name="Record contact").click()
    expect(page.get_by_text(f"First contact with lead #{lead.pk} recorded.")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("Contacted")
    expect(page.get_by_test_id("clock-follow_up")).to_contain_text("working days left")

    outcome = page.locator("form[action$='/outcome/']")
    outcome.get_by_label("Won").check()
    outcome.get_by_label("Note").fill("Three-year subscription signed.")
    outcome.get_by_role("button", name="Record outcome").click()
    expect(page.get_by_text(f"Lead #{lead.pk}: outcome won recorded.")).to_be_visible()
    expect(page.get_by_test_id("closed")).to_contain_text("Closed: won")
    expect(page.get_by_test_id("steps")).to_contain_text("Spoke to Grace")
    page.set_viewport_size(DESKTOP)

    lead.refresh_from_db()
    assert lead.status == LeadStatus.CLOSED_WON
    assignment.refresh_from_db()
    assert (assignment.contact_channel, assignment.outcome) == ("phone", "won")
    assert assignment.assigned_at <= assignment.contact_at <= assignment.contacted_at
    history = list(
        lead.events.filter(at__gte=assignment.assigned_at)
        .order_by("at", "id")
        .values_list("kind", "action", "actor")
    )
    assert history == [
        (EventKind.STATUS_CHANGED, Action.ASSIGN, None),
        (EventKind.NOTIFIED, "", None),
        (EventKind.STATUS_CHANGED, Action.CLAIM, user.pk),
        (EventKind.STATUS_CHANGED, Action.RECORD_CONTACT, user.pk),
        (EventKind.FOLLOW_UP, "", user.pk),
        (EventKind.STATUS_CHANGED, Action.CLOSE_WON, user.pk),
    ]


def test_missed_deadlines_take_leads_away_and_disable_the_flow_until_a_manager_re_enables_it(
    page: Page,
    live_server: LiveServer,
    client_a: Client,
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    slow = make_partner("Slow Partner", program_level="platinum")
    backup = make_partner("Backup Partner", program_level="gold")
    user = member(slow)
    manager = make_user(Role.MANAGER, clients=(client_a,))
    page.set_viewport_size(DESKTOP)

    with time_machine.travel(timezone.now(), tick=True) as clock:
        for number in (1, 2, 3):
            lead = make_approved(partner_program, "a", company=f"Unclaimed {number} Ltd")
            assignment = route(lead)
            assert assignment.partner == slow  # the better program level comes first
            path = f"/partners/leads/{lead.pk}/"
            fresh_sign_in(page, live_server, user, path)
            expect(page.get_by_test_id("clock-claim")).to_contain_text("left")

            clock.move_to(assignment.claim_due + timedelta(minutes=1))
            result = sla_sweep(now=timezone.now())
            assert result.violations == 1
            assert Assignment.objects.active().get(lead=lead).partner == backup
            work_it(lead, member(backup))

            # The claim window has passed, and with it the 12-hour session: sign in again.
            fresh_sign_in(page, live_server, user, "/partners/")
            gone = page.goto(f"{live_server.url}{path}")
            assert gone is not None
            assert gone.status == 404
            expect(page.get_by_role("heading", level=1)).to_have_text(
                f"Lead #{lead.pk} is not in your inbox"
            )
            page.get_by_role("link", name="Go to your leads").click()
            expect(page.locator(f"[data-lead='{lead.pk}']")).to_have_count(0)
            page.get_by_role("link", name="Your SLA record", exact=True).click()
            expect(page.get_by_test_id("violations").locator("tbody tr")).to_have_count(number)
            expect(page.get_by_test_id("violations-in-window")).to_contain_text(
                f"{number} counting towards the threshold"
            )
            events = list(lead.events.values_list("kind", flat=True))
            assert EventKind.VIOLATION in events
            ended = Assignment.objects.get(lead=lead, partner=slow)
            assert ended.end_reason == EndReason.VIOLATION

        expect(page.get_by_test_id("flow-state")).to_contain_text("Disabled")
        consequences = list(
            Violation.objects.filter(partner=slow)
            .order_by("detected_at")
            .values_list("consequence", flat=True)
        )
        assert consequences == ["warning", "recorded", "flow_disabled"]
        slow.refresh_from_db()
        assert not slow.flow_enabled
        waiting = make_approved(partner_program, "a", company="Goes To Backup")
        assert route(waiting).partner == backup  # a disabled partner receives nothing

        fresh_sign_in(page, live_server, manager, "/partners/manage/")
        row = page.locator(f"[data-partner='{slow.pk}']")
        expect(row).to_contain_text("Disabled")
        row.get_by_role("link", name="Slow Partner").click()
        enable = page.locator("form", has=page.get_by_role("button", name="Re-enable lead flow"))
        enable.get_by_role("button", name="Re-enable lead flow").click()
        expect(page.get_by_text("This field is required.")).to_be_visible()
        enable.get_by_label("Note").fill("Agreed a daily check of the inbox with Slow Partner.")
        enable.get_by_role("button", name="Re-enable lead flow").click()
        expect(page.get_by_text("Lead flow of Slow Partner re-enabled.")).to_be_visible()
        expect(page.get_by_test_id("flow-state")).to_contain_text("Enabled")
        expect(page.get_by_test_id("flow-history")).to_contain_text("Agreed a daily check")

    slow.refresh_from_db()
    assert slow.flow_enabled
    change = FlowChange.objects.filter(partner=slow).first()
    assert change is not None
    assert (change.enabled, change.by) == (True, manager)

"""Issue 15's "done when", in the demo: a general inquiry travels pre-qualify call → sales kit →
follow-up call with BANT → remote demo → on-site demo (two weeks out, its invitation received
over SMTP and parsed) → proposal approved by the named steps → sent → won, every step through
the web app's own pages, in the lead's history, and shown on the lead's page.

The demo's approval steps (``sales.demo``): VP Sales and Marketing by the ``manager``, Finance
by the ``admin``, Technical by any QA reviewer (the ``reviewer``)."""

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client as WebClient
from django.test import override_settings
from django.utils import timezone
from icalendar import Calendar

from leadflow.accounts.models import User
from leadflow.core.enums import InquiryType
from leadflow.demo.seed import PARTNERS_SLUG, demo_load
from leadflow.leads.models import Lead
from leadflow.leads.services import LeadInput, lead_create
from leadflow.leads.services.queue import lead_hold
from leadflow.notifications.services import outbox_send_due
from leadflow.programs.models import Program
from leadflow.sales.models import Demo, Proposal, ProposalState, Task, TaskKind, TaskState
from tests.receivers import SmtpServer
from tests.tasks import IMMEDIATE

pytestmark = pytest.mark.django_db


def web(username: str) -> WebClient:
    client = WebClient()
    client.force_login(User.objects.get(username=username))
    return client


def ok(response: Any) -> Any:
    assert response.status_code in (200, 302), (
        response.status_code,
        [line for line in response.content.decode().splitlines() if "error" in line][:5],
    )
    return response


def open_task(lead: Lead, kind: str) -> Task:
    return Task.objects.get(lead=lead, kind=kind, state=TaskState.OPEN)


def test_a_general_inquiry_travels_to_a_won_proposal_in_the_demo(
    smtp_server: SmtpServer, plain_http: None, django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.now()
    demo_load(now=now)
    program = Program.objects.get(slug=PARTNERS_SLUG)
    zone = program.client.timezone
    lead = lead_create(
        program=program,
        data=LeadInput(
            first_name="Katherine",
            last_name="Johnson",
            email="katherine@orbit.example",
            company="Orbit Analytics",
            country="US",
            subdivision="TX",
            inquiry_type=InquiryType.INFORMATION_REQUEST,
        ),
        actor=None,
        now=now,
    )
    # The qualifier takes it up (the queue's "take next lead" holds it): the flow starts.
    with override_settings(TASKS=IMMEDIATE), django_capture_on_commit_callbacks(execute=True):
        lead_hold(lead=lead, user=User.objects.get(username="qualifier"), now=now)
    flow = list(Task.objects.filter(lead=lead).order_by("due_at", "id"))
    assert [task.kind for task in flow] == [
        TaskKind.PREQUALIFY_CALL,
        TaskKind.SEND_SALES_KIT,
        TaskKind.FOLLOW_UP_CALL,
    ]
    assert flow[2].due_at > flow[0].due_at + timedelta(days=2)  # three working days later

    seller = web("qualifier")
    # Pre-qualify call: the contact verified.
    ok(
        seller.post(
            f"/leads/{lead.pk}/calls", {"call-outcome": "connected", "call-note": "Verified"}
        )
    )
    prequalify = open_task(lead, TaskKind.PREQUALIFY_CALL)
    ok(seller.post(f"/sales/tasks/{prequalify.pk}/done", {"outcome": "Contact verified"}))
    # The sales kit: sending it finishes its task.
    ok(seller.post(f"/sales/leads/{lead.pk}/kit"))
    assert not Task.objects.filter(lead=lead, kind=TaskKind.SEND_SALES_KIT, state="open")
    # The follow-up call rates BANT: budget, authority, need, a four-month time frame.
    ok(
        seller.post(
            f"/leads/{lead.pk}/calls", {"call-outcome": "connected", "call-note": "BANT call"}
        )
    )
    ok(
        seller.post(
            f"/leads/{lead.pk}/answers",
            {
                "answer_budget": "approved",
                "answer_authority": "decision_maker",
                "answer_need": "established",
                "answer_timeframe_months": "4",
            },
        )
    )
    lead.refresh_from_db()
    assert (lead.stage, lead.rating) == ("qualified_opportunity", "a")
    follow_up = open_task(lead, TaskKind.FOLLOW_UP_CALL)
    ok(seller.post(f"/sales/tasks/{follow_up.pk}/done", {"outcome": "BANT rated: A"}))

    # A remote demo next week, then the on-site one fifteen days out (the minimum is 14).
    local = now.astimezone(ZoneInfo(zone))
    remote_day = (local + timedelta(days=7)).date()
    ok(
        seller.post(
            f"/sales/leads/{lead.pk}/demos/new",
            {
                "kind": "remote",
                "timezone": zone,
                "starts_at": f"{remote_day:%Y-%m-%d}T10:00",
                "ends_at": f"{remote_day:%Y-%m-%d}T11:00",
                "meeting_url": "https://meet.example/orbit",
                "objectives": "Show the dashboards",
                "participants": "katherine@orbit.example",
            },
        )
    )
    too_soon = (local + timedelta(days=10)).date()
    refused = seller.post(
        f"/sales/leads/{lead.pk}/demos/new",
        {
            "kind": "on_site",
            "timezone": zone,
            "starts_at": f"{too_soon:%Y-%m-%d}T10:00",
            "ends_at": f"{too_soon:%Y-%m-%d}T12:00",
            "location": "Orbit Analytics, Houston",
            "participants": "katherine@orbit.example",
        },
    )
    assert refused.status_code == 400
    assert b"earliest" in refused.content.lower()
    on_site_day = (local + timedelta(days=15)).date()
    ok(
        seller.post(
            f"/sales/leads/{lead.pk}/demos/new",
            {
                "kind": "on_site",
                "timezone": zone,
                "starts_at": f"{on_site_day:%Y-%m-%d}T10:00",
                "ends_at": f"{on_site_day:%Y-%m-%d}T12:00",
                "location": "Orbit Analytics, 1 Main St, Houston",
                "objectives": "Hands-on with the plant managers",
                "participants": "katherine@orbit.example",
            },
        )
    )
    on_site = Demo.objects.get(lead=lead, kind="on_site")
    while outbox_send_due(now=timezone.now(), limit=1_000):
        pass  # the demo's own mail goes out too
    invitations = [
        message
        for message in smtp_server.messages
        if str(message["To"]) == "katherine@orbit.example"
        and any(part.get_filename() == "invite.ics" for part in message.iter_attachments())
    ]
    assert len(invitations) == 2  # the remote demo's and the on-site demo's
    parsed = [
        Calendar.from_ical(part.get_content())
        for message in invitations
        for part in message.iter_attachments()
        if part.get_filename() == "invite.ics"
    ]
    by_uid = {str(next(iter(cal.walk("VEVENT")))["UID"]): cal for cal in parsed}
    calendar = by_uid[on_site.uid]
    assert str(calendar["METHOD"]) == "REQUEST"
    event = next(iter(calendar.walk("VEVENT")))
    starts = event.decoded("DTSTART")
    assert (starts.date(), starts.hour) == (on_site_day, 10)
    assert str(event["LOCATION"]) == "Orbit Analytics, 1 Main St, Houston"

    # The proposal, signed off by the named steps, sent, won.
    ok(seller.post(f"/sales/leads/{lead.pk}/proposals/new", {"amount": "48000", "currency": "USD"}))
    proposal = Proposal.objects.get(lead=lead)
    early = seller.post(f"/sales/proposals/{proposal.pk}/send")
    proposal.refresh_from_db()
    assert early.status_code in (200, 302, 409)
    assert proposal.state == ProposalState.DRAFT
    for username, step in (
        ("manager", "VP Sales and Marketing"),
        ("admin", "Finance"),
        ("reviewer", "Technical"),
    ):
        ok(
            web(username).post(
                f"/sales/proposals/{proposal.pk}/approvals",
                {"step": step, "decision": "approved", "note": f"{step}: fine"},
            )
        )
    ok(seller.post(f"/sales/proposals/{proposal.pk}/send"))
    ok(seller.post(f"/sales/proposals/{proposal.pk}/won", {"won_amount": "45000"}))
    proposal.refresh_from_db()
    assert (proposal.state, proposal.won_amount) == (ProposalState.WON, 45000)

    history = list(lead.events.values_list("action", flat=True))
    for action in (
        "start_qualifying",
        "sales_task_done",
        "sales_kit_sent",
        "sales_demo_scheduled",
        "proposal_created",
        "proposal_approved",
        "proposal_sent",
        "proposal_won",
    ):
        assert action in history, (action, sorted(set(history)))
    assert lead.events.filter(kind="call").count() == 2
    assert lead.events.filter(kind="qualified").exists()
    page = seller.get(f"/leads/{lead.pk}/").content.decode()
    for words in (
        "Contact verified",
        "Sales kit",
        "BANT rated: A",
        "Remote demo",
        "On site demo",
        "approved the step “Finance”",
        "won for",
    ):
        assert words in page, words

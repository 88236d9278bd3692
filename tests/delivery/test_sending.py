"""Sending a delivery (issue 6, part 4) through real peers: the e-mail reaches a real SMTP
server with the files attached, and the webhook reaches a real HTTP receiver that verifies its
HMAC-SHA256 signature; failures are retried, and nothing is sent twice."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from leadflow.accounts.models import User
from leadflow.core.schedule import Frequency
from leadflow.delivery.models import Delivery
from leadflow.delivery.services import (
    ScheduleSettings,
    delivery_batch_run,
    hot_leads_alert,
    hot_leads_deliver,
    schedule_save,
)
from leadflow.notifications.models import MessageStatus, OutboxMessage
from leadflow.notifications.selectors import outbox_attempts
from leadflow.notifications.services import outbox_send_due
from leadflow.notifications.signing import verify
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.delivery.conftest import LeadMaker
from tests.receivers import SmtpServer, WebhookReceiver
from tests.tasks import IMMEDIATE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("immediate")]

SALESFORCE = [
    "FirstName",
    "LastName",
    "Title",
    "Company",
    "Email",
    "Phone",
    "Website",
    "Industry",
    "NumberOfEmployees",
    "Street",
    "City",
    "Country",
    "State",
    "PostalCode",
    "LeadSource",
    "Rating",
    "Description",
]


@pytest.fixture
def immediate() -> object:
    with override_settings(TASKS=IMMEDIATE):
        yield


def grace(
    program: Program, approved_lead: LeadMaker, rating: str = "a", **fields: object
) -> object:
    return approved_lead(
        program,
        rating,
        first_name="Grace",
        last_name="Hopper",
        title="CTO",
        email="grace@cobol.example",
        phone="+14155550100",
        company="=Cobol Systems",
        company_size="51-200",
        country="US",
        subdivision="CA",
        **fields,
    )


def test_a_batch_e_mail_reaches_the_smtp_server_with_both_files_attached(
    program: Program, approved_lead: LeadMaker, smtp_server: SmtpServer
) -> None:
    schedule_save(
        program=program,
        settings=ScheduleSettings(
            frequency=Frequency.WEEKLY, weekday=0, recipients=("crm@acme.example",)
        ),
        actor=None,
        now=NOW,
    )
    grace(program, approved_lead)
    approved_lead(program, "fyi", first_name="Barbara", last_name="Liskov", company="CLU")
    delivery = delivery_batch_run(program=program, now=NOW).delivery
    assert delivery is not None
    [received] = smtp_server.messages
    assert received["To"] == "crm@acme.example"
    assert received["Subject"] == "Acme Demand Gen: delivery 1 (1 lead)"
    body = received.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content().replace("\r\n", "\n")
    assert "- [A] Grace Hopper, CTO, =Cobol Systems" in text
    assert (
        "For your information (not delivered; no follow-up needed):\n- Barbara Liskov, CLU" in text
    )
    assert f"/deliveries/{delivery.pk}/" in text
    attachments = {part.get_filename(): part for part in received.iter_attachments()}
    assert set(attachments) == {"acme-demand-delivery-0001.csv", "acme-demand-delivery-0001.xlsx"}

    csv_part = attachments["acme-demand-delivery-0001.csv"].get_content()
    csv_text = csv_part.decode() if isinstance(csv_part, bytes) else csv_part
    header, row = list(csv.reader(io.StringIO(csv_text)))
    assert header == SALESFORCE
    values = dict(zip(header, row, strict=True))
    assert values["Company"] == "'=Cobol Systems"  # never a formula in a spreadsheet
    assert values["Phone"] == "+14155550100"  # a phone number is left as it is
    assert (values["NumberOfEmployees"], values["State"], values["Rating"]) == ("51", "CA", "A")
    assert values["LeadSource"] == "Web"
    assert values["Description"].startswith("Rating A, stage Lead, score")

    workbook = load_workbook(
        io.BytesIO(attachments["acme-demand-delivery-0001.xlsx"].get_content())
    )
    sheet = workbook.active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == SALESFORCE
    assert rows[1][3] == "=Cobol Systems"
    assert sheet.cell(row=2, column=4).data_type == "s"  # text, not a formula
    assert rows[1][8] == 51  # a number in a numeric column

    message = OutboxMessage.objects.get(key=delivery.email_key)
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)


def test_without_recipients_the_client_contacts_get_the_e_mail(
    program: Program, approved_lead: LeadMaker, client_contact: User, smtp_server: SmtpServer
) -> None:
    approved_lead(program, "b")
    delivery_batch_run(program=program, now=NOW)
    [received] = smtp_server.messages
    assert received["To"] == "buyer@acme.example"


def test_running_a_batch_again_sends_nothing_twice(
    program: Program, approved_lead: LeadMaker, client_contact: User, smtp_server: SmtpServer
) -> None:
    approved_lead(program, "a")
    delivery_batch_run(program=program, now=NOW)
    delivery_batch_run(program=program, now=NOW)
    outbox_send_due(now=timezone.now() + timedelta(hours=1))
    assert len(smtp_server.messages) == 1


def test_a_hot_lead_e_mail_is_sent_on_its_own(
    program: Program, approved_lead: LeadMaker, client_contact: User, smtp_server: SmtpServer
) -> None:
    hot = grace(program, approved_lead, rating="hot")
    hot_leads_deliver(lead_ids=[hot.pk], now=NOW)  # type: ignore[attr-defined]
    [received] = smtp_server.messages
    assert received["Subject"] == "Hot lead for Acme Demand Gen: Grace Hopper, =Cobol Systems"
    names = sorted(part.get_filename() or "" for part in received.iter_attachments())
    assert names == ["acme-demand-hot-lead-0001.csv", "acme-demand-hot-lead-0001.xlsx"]


def test_the_hot_lead_alert_reaches_the_manager(
    program: Program, approved_lead: LeadMaker, manager: User, smtp_server: SmtpServer
) -> None:
    approved_lead(program, "hot", captured=NOW - timedelta(hours=26), status="in_review")
    hot_leads_alert(now=NOW)
    [received] = smtp_server.messages
    assert received["To"] == "manager@agency.example"
    assert received["Subject"].startswith("Hot lead waiting 26 hours")


def webhook_settings(url: str) -> ScheduleSettings:
    return ScheduleSettings(frequency=Frequency.WEEKLY, weekday=0, webhook_url=url)


def test_the_webhook_is_signed_and_the_receiver_verifies_it(
    program: Program, approved_lead: LeadMaker, webhook_receiver: WebhookReceiver
) -> None:
    schedule = schedule_save(
        program=program, settings=webhook_settings(webhook_receiver.url), actor=None, now=NOW
    )
    lead = grace(program, approved_lead)
    delivery = delivery_batch_run(program=program, now=NOW).delivery
    assert delivery is not None
    [request] = webhook_receiver.requests
    headers = request.headers
    assert headers["X-LeadFlow-Event"] == "delivery.created"
    assert headers["X-LeadFlow-Message"] == f"delivery:{delivery.pk}:webhook"
    assert verify(
        secret=schedule.webhook_secret,
        timestamp=headers["X-LeadFlow-Timestamp"],
        body=request.body,
        signature=headers["X-LeadFlow-Signature"],
        now=timezone.now(),
    )
    assert not verify(
        secret="whsec_someone-else",
        timestamp=headers["X-LeadFlow-Timestamp"],
        body=request.body,
        signature=headers["X-LeadFlow-Signature"],
        now=timezone.now(),
    )
    payload = json.loads(request.body)
    assert payload["delivery"] == {
        "id": delivery.pk,
        "number": 1,
        "kind": "batch",
        "program": "acme-demand",
        "program_name": "Acme Demand Gen",
        "client": "acme",
        "created_at": NOW.isoformat(),
        "lead_count": 1,
    }
    assert payload["columns"] == SALESFORCE
    [sent] = payload["leads"]
    assert (sent["id"], sent["rating"]) == (lead.pk, "A")  # type: ignore[attr-defined]
    assert sent["fields"]["Company"] == "=Cobol Systems"  # JSON carries the value as it is
    assert sent["fields"]["NumberOfEmployees"] == 51


def test_a_failed_webhook_is_retried_with_backoff_and_logged(
    program: Program, approved_lead: LeadMaker, webhook_receiver: WebhookReceiver
) -> None:
    schedule_save(
        program=program, settings=webhook_settings(webhook_receiver.url), actor=None, now=NOW
    )
    approved_lead(program, "a")
    webhook_receiver.fail_next(1)
    delivery = delivery_batch_run(program=program, now=NOW).delivery
    assert delivery is not None
    message = OutboxMessage.objects.get(key=delivery.webhook_key)
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert message.last_error == "HTTP 500 Internal Server Error"
    assert outbox_send_due(now=timezone.now()) == 0  # not due yet: backoff
    assert outbox_send_due(now=timezone.now() + timedelta(minutes=2)) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert [(a.ok, a.status_code) for a in outbox_attempts(message=message)] == [
        (False, 500),
        (True, 204),
    ]
    assert outbox_send_due(now=timezone.now() + timedelta(hours=1)) == 0
    assert len(webhook_receiver.requests) == 2
    keys = {request.headers["X-LeadFlow-Message"] for request in webhook_receiver.requests}
    assert keys == {delivery.webhook_key}  # the receiver can tell the retry is the same message
    assert Delivery.objects.count() == 1

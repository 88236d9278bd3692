"""Bounces and complaints from the provider's tracking webhook (Postmark, through
django-anymail), tested with Postmark's documented sample payloads."""

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client as WebClient

from leadflow.core.consent import ConsentStatus
from leadflow.leads.models import ContactConsent, Lead
from leadflow.nurture.models import Enrollment, Sequence, TouchSent
from leadflow.nurture.services import lead_enrol, lead_mark_bounced, touches_due_process
from tests.factories import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http")]
SECRET = "postmark:s3cret-webhook"
URL = "/webhooks/postmark/tracking/"

#: Postmark's bounce webhook sample (postmarkapp.com/developer/webhooks/bounce-webhook).
BOUNCE: dict[str, Any] = {
    "RecordType": "Bounce",
    "MessageStream": "outbound",
    "ID": 4323372036854775807,
    "Type": "HardBounce",
    "TypeCode": 1,
    "Name": "Hard bounce",
    "Tag": "Test",
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "Metadata": {"a_key": "a_value", "b_key": "b_value"},
    "ServerID": 23,
    "Description": "The server was unable to deliver your message (ex: unknown user, mailbox "
    "not found).",
    "Details": "Test bounce details",
    "Email": "john@example.com",
    "From": "sender@example.com",
    "BouncedAt": "2019-11-05T16:33:54.9070259Z",
    "DumpAvailable": True,
    "Inactive": True,
    "CanActivate": True,
    "Subject": "Test subject",
    "Content": "<Full dump of bounce>",
}

#: Postmark's spam complaint webhook sample
#: (postmarkapp.com/developer/webhooks/spam-complaint-webhook).
COMPLAINT: dict[str, Any] = {
    "RecordType": "SpamComplaint",
    "MessageStream": "outbound",
    "ID": 42,
    "Type": "SpamComplaint",
    "TypeCode": 512,
    "Name": "Spam complaint",
    "Tag": "Test",
    "MessageID": "00000000-0000-0000-0000-000000000000",
    "Metadata": {"a_key": "a_value", "b_key": "b_value"},
    "ServerID": 1234,
    "Description": "",
    "Details": "Test spam complaint details",
    "Email": "john@example.com",
    "From": "sender@example.com",
    "BouncedAt": "2019-11-05T16:33:54.9070259Z",
    "DumpAvailable": True,
    "Inactive": True,
    "CanActivate": False,
    "Subject": "Test subject",
    "Content": "<Abuse report dump>",
}


@pytest.fixture(autouse=True)
def webhook_secret(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    settings.SITE_URL = "https://leads.example.com"


def post(client: WebClient, payload: dict[str, Any], auth: str = SECRET) -> int:
    credentials = base64.b64encode(auth.encode()).decode()
    response = client.post(
        URL,
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )
    return response.status_code


@pytest.fixture
def mailed(nurtured: Callable[..., Lead], sequence: Sequence) -> Lead:
    lead = nurtured(email="john@example.com")
    lead_enrol(lead=lead, sequence=sequence, actor=None, now=NOW)
    touches_due_process(now=NOW)
    return lead


def consent(address: str = "john@example.com") -> str:
    return str(ContactConsent.objects.get(address=address).status)


def test_a_hard_bounce_sets_the_consent_and_stops_the_sequence(
    client: WebClient, mailed: Lead
) -> None:
    assert post(client, BOUNCE) == 200
    assert consent() == ConsentStatus.BOUNCED
    assert ContactConsent.objects.get().source.startswith(
        "Postmark hard bounce: The server was unable"
    )
    assert Enrollment.objects.get(lead=mailed).left_reason == "bounced"


def test_a_spam_complaint_stops_the_sequence_too(client: WebClient, mailed: Lead) -> None:
    assert post(client, COMPLAINT) == 200
    assert consent() == ConsentStatus.BOUNCED
    assert Enrollment.objects.get(lead=mailed).state == "left"


def test_a_soft_bounce_changes_nothing(client: WebClient, mailed: Lead) -> None:
    assert post(client, {**BOUNCE, "Type": "SoftBounce", "TypeCode": 4096}) == 200
    assert not ContactConsent.objects.exists()
    assert Enrollment.objects.get(lead=mailed).state == "active"


def test_the_metadata_of_the_sent_touch_names_its_client(client: WebClient, mailed: Lead) -> None:
    sent = TouchSent.objects.get(lead=mailed)
    payload = {**BOUNCE, "Metadata": {"leadflow-sent": str(sent.pk)}}
    assert post(client, payload) == 200
    assert ContactConsent.objects.get().client == mailed.program.client


def test_the_webhook_refuses_wrong_credentials_and_is_absent_without_a_secret(
    client: WebClient, mailed: Lead, settings: Any
) -> None:
    assert post(client, BOUNCE, auth="postmark:guess") == 400
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    assert post(client, BOUNCE) == 404
    assert not ContactConsent.objects.exists()


def test_staff_may_mark_an_address_bounced_by_hand(mailed: Lead) -> None:
    lead_mark_bounced(lead=mailed, actor=None, now=NOW)
    assert consent() == ConsentStatus.BOUNCED
    assert Enrollment.objects.get(lead=mailed).left_reason == "bounced"

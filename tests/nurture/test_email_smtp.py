"""Nurture e-mail for real: a real SMTP server receives it, and the test uses its tracked link
and its one-click unsubscribe as a mail client would, from the received message's headers."""

import re
from collections.abc import Callable
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from django.test import Client as WebClient

from leadflow.core.consent import ConsentChannel, ConsentStatus
from leadflow.leads.models import ContactConsent, Lead
from leadflow.leads.selectors.consent import marketing_email_allowed
from leadflow.notifications.services import outbox_send_due
from leadflow.nurture.models import Engagement, Enrollment, Sequence, TouchSent
from leadflow.nurture.services import lead_enrol, touches_due_process
from leadflow.nurture.tracking import link_token, unsubscribe_token
from tests.factories import NOW
from tests.receivers import SmtpServer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http")]
SITE = "https://leads.example.com"


@pytest.fixture(autouse=True)
def site_url(settings: object) -> None:
    settings.SITE_URL = SITE  # type: ignore[attr-defined]


def _received(
    smtp_server: SmtpServer, nurtured: Callable[..., Lead], sequence: Sequence, **contact: str
) -> tuple[Lead, EmailMessage]:
    lead = nurtured(**contact)
    lead_enrol(lead=lead, sequence=sequence, actor=None, now=NOW)
    touches_due_process(now=NOW)
    outbox_send_due(now=NOW)
    return lead, smtp_server.messages[-1]


def _unsubscribe_url(message: EmailMessage) -> str:
    """The HTTPS URL of the List-Unsubscribe header (RFC 2369: URLs in angle brackets)."""
    found = re.search(r"<(https://[^>]+)>", str(message["List-Unsubscribe"]))
    assert found is not None
    return found.group(1)


def _path(url: str) -> str:
    assert url.startswith(SITE + "/")
    return urlsplit(url).path


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def test_the_email_arrives_with_a_working_tracked_link(
    smtp_server: SmtpServer, nurtured: Callable[..., Lead], sequence: Sequence, client: WebClient
) -> None:
    lead, message = _received(smtp_server, nurtured, sequence)
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Hi Ada"
    tracked = next(word for word in _text(message).split() if word.startswith(f"{SITE}/t/"))
    response = client.get(_path(tracked.rstrip(".")))
    assert response.status_code == 302
    assert response["Location"] == "https://example.com/guide?x=1"
    assert Engagement.objects.get(lead=lead).kind == "email_click"
    assert lead.events.filter(action="nurture_clicked").count() == 1
    assert f'href="{tracked.rstrip(".")}"' in _html(message)


def test_the_one_click_unsubscribe_of_the_headers_unsubscribes_without_signing_in(
    smtp_server: SmtpServer, nurtured: Callable[..., Lead], sequence: Sequence, client: WebClient
) -> None:
    lead, message = _received(smtp_server, nurtured, sequence)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = _unsubscribe_url(message)
    assert url.startswith("https://")
    # RFC 8058: the mail client POSTs the one-click body, without cookies or a CSRF token.
    csrf_client = WebClient(enforce_csrf_checks=True)
    response = csrf_client.post(
        _path(url), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    consent = ContactConsent.objects.get(address="ada@example.com")
    assert consent.status == ConsentStatus.UNSUBSCRIBED
    assert consent.source.startswith("unsubscribe link")
    assert Enrollment.objects.get(lead=lead).left_reason == "unsubscribed"
    assert not marketing_email_allowed(client=lead.program.client, email="ada@example.com")


def test_the_unsubscribe_link_shows_a_confirmation_page_first(
    smtp_server: SmtpServer, nurtured: Callable[..., Lead], sequence: Sequence, client: WebClient
) -> None:
    _, message = _received(smtp_server, nurtured, sequence)
    url = _unsubscribe_url(message)
    page = client.get(_path(url))
    assert page.status_code == 200
    assert "Stop the e-mails sent to a••@example.com?" in page.content.decode()
    assert not ContactConsent.objects.filter(status=ConsentStatus.UNSUBSCRIBED).exists()


def test_merge_values_are_escaped_in_the_html_part(
    smtp_server: SmtpServer, nurtured: Callable[..., Lead], sequence: Sequence
) -> None:
    _, message = _received(
        smtp_server, nurtured, sequence, company="<script>alert(1)</script> & Co"
    )
    html = _html(message)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert "<script>alert(1)</script> & Co might like" in _text(message)


def test_a_missing_merge_field_falls_back_to_the_templates_default(
    smtp_server: SmtpServer, nurtured: Callable[..., Lead], sequence: Sequence
) -> None:
    _, message = _received(smtp_server, nurtured, sequence, first_name="")
    assert _text(message).startswith("Hello there,")


def test_tampered_foreign_or_out_of_range_tokens_are_not_found(
    smtp_server: SmtpServer, nurtured: Callable[..., Lead], sequence: Sequence, client: WebClient
) -> None:
    _received(smtp_server, nurtured, sequence)
    sent = TouchSent.objects.get()
    good = link_token(sent_id=sent.pk, index=0)
    assert client.get(f"/t/{good}").status_code == 302
    assert client.get(f"/t/{good[:-1]}x").status_code == 404
    assert client.get(f"/t/{link_token(sent_id=sent.pk, index=5)}").status_code == 404
    # A link token is no unsubscribe token, and the other way round.
    assert client.post(f"/u/{good}").status_code == 404
    assert client.get(f"/t/{unsubscribe_token(sent_id=sent.pk)}").status_code == 404
    assert not ContactConsent.objects.filter(status=ConsentStatus.UNSUBSCRIBED).exists()


def test_one_contacts_unsubscribe_link_cannot_touch_another(
    smtp_server: SmtpServer, nurtured: Callable[..., Lead], sequence: Sequence, client: WebClient
) -> None:
    _, first = _received(smtp_server, nurtured, sequence, email="one@example.com")
    _received(smtp_server, nurtured, sequence, email="two@example.com")
    token = _unsubscribe_url(first).rsplit("/", 1)[1]
    forged = token.replace(token.split(":")[0], "Mg")  # another id, the first one's signature
    assert client.post(f"/u/{forged}").status_code == 404
    assert client.post(f"/u/{token}").status_code == 200
    statuses = dict(
        ContactConsent.objects.filter(channel=ConsentChannel.EMAIL).values_list("address", "status")
    )
    assert statuses == {"one@example.com": "unsubscribed"}

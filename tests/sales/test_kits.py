"""Sales kits: documents checked by their content and size-capped, the kit sent through the
outbox with its documents (one test over a real SMTP server), consent respected for marketing
content, and the event in the lead's history."""

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.core.consent import ConsentChannel, ConsentStatus
from leadflow.core.errors import InputError
from leadflow.leads.models import Lead
from leadflow.leads.selectors.consent import marketing_email_allowed
from leadflow.leads.services.consent import consent_record
from leadflow.notifications.models import OutboxMessage
from leadflow.notifications.services import outbox_send_due
from leadflow.programs.models import Program
from leadflow.sales.models import SalesKit, TaskKind, TaskState
from leadflow.sales.services import documents
from leadflow.sales.services.kits import kit_create, kit_document_add, kit_send
from leadflow.sales.services.tasks import lead_flow_start
from tests.factories import NOW
from tests.receivers import SmtpServer

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n%%EOF\n"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def kit(program: Program) -> SalesKit:
    return kit_create(
        program=program,
        name="Starter kit",
        subject="Your {{ program }} information, {{ first_name|default:'there' }}",
        body="Hello {{ first_name }},\n\nThe brochure for {{ company }} is attached.",
        now=NOW,
    )


@pytest.fixture
def seller(make_user: Callable[..., User], program: Program) -> User:
    return make_user(Role.QUALIFIER, programs=(program,))


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("brochure.pdf", PDF, "application/pdf"),
        ("Brochure.DOCX", _docx(), documents._OOXML[".docx"][1]),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
        ("prices.csv", "product,price\nWidget,10 €\n".encode(), "text/csv"),
    ],
)
def test_documents_are_typed_by_their_content(
    kit: SalesKit, name: str, data: bytes, content_type: str
) -> None:
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    document = kit_document_add(kit=kit, upload=upload, now=NOW)
    assert (document.filename, document.content_type, document.size) == (
        name,
        content_type,
        len(data),
    )
    with document.file.open("rb") as handle:
        assert handle.read() == data
    assert not document.file.name.endswith(name)  # stored under a name nobody can guess


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("brochure.pdf", b"MZ\x90\x00 an executable", "is not a PDF, Word"),
        ("notes.docx", b"PK\x03\x04 not really a zip", "is not a PDF, Word"),
        ("notes.txt", b"\xff\xfe\x00binary", "is not a PDF, Word"),
        ("empty.pdf", b"", "the file is empty"),
    ],
)
def test_documents_that_are_not_what_they_say_are_refused(
    kit: SalesKit, name: str, data: bytes, reason: str
) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        kit_document_add(kit=kit, upload=SimpleUploadedFile(name, data), now=NOW)
    assert caught.value.field == "file"
    assert not kit.documents.exists()


def test_documents_are_size_capped(kit: SalesKit, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 1000)
    with pytest.raises(InputError, match="larger than"):
        kit_document_add(kit=kit, upload=SimpleUploadedFile("big.pdf", PDF + b"0" * 1000), now=NOW)


def test_a_bad_template_is_refused(program: Program) -> None:
    with pytest.raises(InputError) as caught:
        kit_create(program=program, name="Kit", subject="Hi {% if first_name %}", body="x", now=NOW)
    assert caught.value.field == "subject"


def test_the_kit_goes_out_with_its_documents_and_finishes_the_flow_s_task(
    kit: SalesKit,
    make_lead: Callable[..., Lead],
    program: Program,
    seller: User,
    smtp_server: SmtpServer,
) -> None:
    kit_document_add(kit=kit, upload=SimpleUploadedFile("brochure.pdf", PDF), now=NOW)
    lead = make_lead(program)
    lead_flow_start(lead=lead, owner=seller, actor=None, now=NOW)
    sent = kit_send(kit=kit, lead=lead, actor=seller, now=NOW)
    assert (sent.to_address, sent.skipped) == ("ada@example.com", "")
    task = lead.sales_tasks.get(kind=TaskKind.SEND_SALES_KIT)
    assert (task.state, task.outcome) == (TaskState.DONE, "Sent “Starter kit”.")
    assert lead.events.get(action="sales_kit_sent").reason == (
        "Sales kit “Starter kit” sent to ada@example.com (1 document)."
    )
    assert outbox_send_due(now=NOW) == 1
    (message,) = smtp_server.messages
    assert str(message["Subject"]) == "Your Acme Demand Gen information, Ada"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "The brochure for Analytical Engines Ltd is attached." in str(body.get_content())
    (attachment,) = message.iter_attachments()
    assert (attachment.get_filename(), attachment.get_content_type()) == (
        "brochure.pdf",
        "application/pdf",
    )
    assert attachment.get_content() == PDF


def test_marketing_kits_respect_consent(
    kit: SalesKit, make_lead: Callable[..., Lead], program: Program, seller: User
) -> None:
    lead = make_lead(program)
    consent_record(
        client=program.client,
        channel=ConsentChannel.EMAIL,
        address="ada@example.com",
        status=ConsentStatus.UNSUBSCRIBED,
        source="test",
        now=NOW,
    )
    sent = kit_send(kit=kit, lead=lead, actor=seller, now=NOW)
    assert sent.skipped == "the address unsubscribed from or bounced the client's e-mail"
    assert not OutboxMessage.objects.exists()
    assert lead.events.get(action="sales_kit_skipped").reason == (
        "Sales kit “Starter kit” not sent: the address unsubscribed from or bounced the "
        "client's e-mail."
    )
    # A kit that is not marketing (a requested document) still goes.
    kit.is_marketing = False
    kit.save(update_fields=["is_marketing"])
    assert kit_send(kit=kit, lead=lead, actor=seller, now=NOW).skipped == ""
    assert OutboxMessage.objects.count() == 1


def test_a_lead_without_an_address_gets_nothing(
    kit: SalesKit, make_lead: Callable[..., Lead], program: Program
) -> None:
    lead = make_lead(program, email="", phone="+14155550100")
    assert kit_send(kit=kit, lead=lead, actor=None, now=NOW).skipped == (
        "the lead has no usable e-mail address"
    )
    assert not OutboxMessage.objects.exists()


def test_a_marketing_kit_carries_a_one_click_unsubscribe_that_the_next_kit_honours(
    kit: SalesKit,
    make_lead: Callable[..., Lead],
    program: Program,
    seller: User,
    settings: Any,
    client: Client,
) -> None:
    settings.SITE_URL = "https://leads.example.com"
    settings.SECURE_SSL_REDIRECT = False
    lead = make_lead(program)
    kit_send(kit=kit, lead=lead, actor=seller, now=NOW)
    message = OutboxMessage.objects.get()
    headers = message.content["headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].removeprefix("<").removesuffix(">")
    assert url.startswith("https://leads.example.com/u/")
    assert message.content["body"].rstrip().endswith(f"unsubscribe here: {url}")
    path = url.removeprefix("https://leads.example.com")
    assert client.get(path[:-2] + "xx").status_code == 404  # a changed token is no token

    page = client.get(path)
    assert page.status_code == 200
    assert "a••@example.com" in page.content.decode()
    assert marketing_email_allowed(client=program.client, email="ada@example.com")
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not marketing_email_allowed(client=program.client, email="ada@example.com")

    again = kit_send(kit=kit, lead=lead, actor=seller, now=NOW)
    assert again.skipped == "the address unsubscribed from or bounced the client's e-mail"
    assert OutboxMessage.objects.count() == 1


def test_a_kit_that_is_not_marketing_carries_no_unsubscribe(
    kit: SalesKit, make_lead: Callable[..., Lead], program: Program, seller: User
) -> None:
    kit.is_marketing = False
    kit.save(update_fields=["is_marketing"])
    kit_send(kit=kit, lead=make_lead(program), actor=seller, now=NOW)
    message = OutboxMessage.objects.get()
    assert "headers" not in message.content
    assert "unsubscribe" not in message.content["body"]

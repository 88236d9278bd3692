"""The console e-mail backend (EMAIL_URL=console://): one line per message unless
EMAIL_CONSOLE_FULL asks for the whole of it."""

import io

from django.core.mail import EmailMessage
from pytest_django.fixtures import Settings

from leadflow.config.env import parse_email_url
from leadflow.notifications.console import EmailBackend


def _message() -> EmailMessage:
    message = EmailMessage(
        subject="New Hot lead #137: Richardson Ltd",
        body="Bay Area Solutions has a new Hot lead.",
        to=["leads@bay-area.example", "sales@bay-area.example"],
    )
    message.attach("lead-137.pdf", b"%PDF-1.4 " * 200, "application/pdf")
    return message


def test_console_email_is_one_line_per_message(settings: Settings) -> None:
    settings.EMAIL_CONSOLE_FULL = False
    stream = io.StringIO()
    sent = EmailBackend(stream=stream).send_messages([_message(), _message()])
    assert sent == 2
    line = (
        "E-mail to leads@bay-area.example, sales@bay-area.example: "
        "New Hot lead #137: Richardson Ltd (1 attachment)\n"
    )
    assert stream.getvalue() == line * 2


def test_console_email_prints_the_whole_message_when_asked(settings: Settings) -> None:
    settings.EMAIL_CONSOLE_FULL = True
    stream = io.StringIO()
    EmailBackend(stream=stream).send_messages([_message()])
    printed = stream.getvalue()
    assert "Subject: New Hot lead #137: Richardson Ltd" in printed
    assert "Content-Transfer-Encoding: base64" in printed


def test_console_url_picks_the_one_line_backend() -> None:
    assert parse_email_url("console://").backend == "leadflow.notifications.console.EmailBackend"

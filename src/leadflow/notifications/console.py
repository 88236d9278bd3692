"""The console e-mail backend (``EMAIL_URL=console://``, the default for local use): one line per
message, who it is to and its subject, so a terminal running ``make run`` stays readable.

``EMAIL_CONSOLE_FULL=1`` prints each whole message instead, headers, body and attachments
(base64 included), as Django's own console backend does.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as FullConsoleBackend


def summary_line(message: EmailMessage) -> str:
    """``E-mail to a@example.com, b@example.com: Subject (1 attachment)``."""
    attachments = len(message.attachments)
    extra = f" ({attachments} attachment{'s' if attachments != 1 else ''})" if attachments else ""
    return f"E-mail to {', '.join(message.recipients())}: {message.subject}{extra}\n"


class EmailBackend(FullConsoleBackend):
    def write_message(self, message: EmailMessage) -> None:
        if settings.EMAIL_CONSOLE_FULL:
            super().write_message(message)
        else:
            self.stream.write(summary_line(message))

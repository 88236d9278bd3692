"""Whether a client's marketing may reach an address (DESIGN.md, "Intake rules": consent is
honoured by every marketing touch).

This is the contract every marketing touch calls before it sends or dials (the nurture issue
adds the first marketing e-mail): an e-mail address unsubscribed or bounced for the client is
never e-mailed by marketing, a phone number marked do-not-call is never called. Operational
messages (partner notifications, client deliveries) are not marketing and do not ask."""

from leadflow.core.consent import ConsentChannel, ConsentStatus, marketing_allowed
from leadflow.core.errors import NormalisationError
from leadflow.core.normalise import normalise_email
from leadflow.leads.models import ContactConsent
from leadflow.programs.models import Client


def consent_status(
    *, client: Client, channel: ConsentChannel, address: str
) -> ConsentStatus | None:
    """The address's recorded status for the client, or None when nothing is recorded."""
    status = (
        ContactConsent.objects.filter(client=client, channel=channel, address=address)
        .values_list("status", flat=True)
        .first()
    )
    return ConsentStatus(status) if status else None


def marketing_email_allowed(*, client: Client, email: str) -> bool:
    """Whether the client's marketing may e-mail this address: not when it is unsubscribed or
    bounced. The address is compared in its normalised form, as intake records it."""
    if not email.strip():
        return False
    try:
        address = normalise_email(email)
    except NormalisationError:
        return False
    return marketing_allowed(
        consent_status(client=client, channel=ConsentChannel.EMAIL, address=address)
    )


def may_call(*, client: Client, phone: str) -> bool:
    """Whether the client's marketing may call this number (E.164, as leads store it): not when
    it is marked do-not-call."""
    if not phone.strip():
        return False
    return marketing_allowed(
        consent_status(client=client, channel=ConsentChannel.PHONE, address=phone.strip())
    )

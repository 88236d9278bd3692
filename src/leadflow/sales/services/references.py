"""Writes of the references database (issue 15, item 6): field sales keep a client's reference
customers, and each use of one on a proposal is recorded, counted per calendar quarter against
the program's limit (``SalesSettings.reference_uses_per_quarter``, default 2). A use past the
limit is recorded (the seller decides; the pages ask for a confirmation first) but flagged, in
the answer and in the lead's history. A reference whose willing-until date has passed is
expired: it is not offered, and a use of it is refused.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from leadflow.accounts.models import User
from leadflow.core.errors import DomainRefused, InputError, NormalisationError
from leadflow.core.normalise import normalise_email, normalise_phone
from leadflow.leads.services import events_record
from leadflow.programs.models import Client
from leadflow.sales.models import Proposal, ProposalState, Reference, ReferenceUse
from leadflow.sales.selectors.references import (
    program_reference_limit,
    quarter_start,
    reference_expired,
)
from leadflow.sales.services.tasks import sales_note

#: The fields of a reference a person edits, with their length limits ("" = any text).
EDITABLE = {
    "customer": 200,
    "contact_name": 200,
    "contact_email": 254,
    "contact_phone": 32,
    "products": 500,
    "industry": 100,
    "region": 100,
    "notes": 0,
}
#: The region a contact phone without "+" and country code is read in, when the client has no
#: country of its own.
DEFAULT_PHONE_REGION = "US"


@dataclass(frozen=True)
class ReferenceUsed:
    use: ReferenceUse
    uses_this_quarter: int
    limit: int
    created: bool = True

    @property
    def flagged(self) -> bool:
        """Used more often this quarter than the program allows."""
        return self.uses_this_quarter > self.limit


def _contact(name: str, text: str, region: str) -> str:
    """The contact e-mail and phone through the intake's normalisers (the one spelling)."""
    if not text:
        return text
    try:
        if name == "contact_email":
            return normalise_email(text)
        return normalise_phone(text, region)
    except NormalisationError as exc:
        raise InputError(name, str(exc)) from None


def _clean(values: dict[str, str], *, region: str) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for name, value in values.items():
        if name not in EDITABLE:
            raise InputError(name, "not a field of a reference")
        text = value.strip()
        if "\x00" in text:
            raise InputError(name, "must not contain NUL characters")
        if name in ("contact_email", "contact_phone"):
            text = _contact(name, text, region)
        if EDITABLE[name] and len(text) > EDITABLE[name]:
            raise InputError(name, f"at most {EDITABLE[name]} characters")
        cleaned[name] = text
    if "customer" in cleaned and not cleaned["customer"]:
        raise InputError("customer", "name the reference customer")
    return cleaned


def _region(client: Client) -> str:
    return (client.country or DEFAULT_PHONE_REGION).upper()


def reference_create(
    *,
    client: Client,
    customer: str,
    actor: User | None,
    now: datetime,
    willing_until: date | None = None,
    **fields: str,
) -> Reference:
    """A reference customer of ``client`` (e-mail and phone normalised; InputError naming the
    field for a bad value)."""
    values = _clean({"customer": customer, **fields}, region=_region(client))
    return Reference.objects.create(
        client=client,
        willing_until=willing_until,
        created_at=now,
        updated_at=now,
        updated_by=actor,
        **values,
    )


def reference_update(
    *,
    reference: Reference,
    actor: User | None,
    now: datetime,
    willing_until: date | None = None,
    **fields: str,
) -> Reference:
    """Change the given fields (and ``willing_until``, which may be cleared)."""
    values = _clean(fields, region=_region(reference.client))
    with transaction.atomic():
        locked = Reference.objects.select_for_update().get(pk=reference.pk)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.willing_until = willing_until
        locked.updated_at = now
        locked.updated_by = actor
        locked.save(update_fields=[*values, "willing_until", "updated_at", "updated_by"])
    return locked


def reference_use(
    *, proposal: Proposal, reference: Reference, actor: User | None, now: datetime
) -> ReferenceUsed:
    """Record that the reference is given to the prospect of ``proposal`` (once per proposal:
    again is the same use, ``created`` False). The reference must be a customer of the
    proposal's client (InputError), still willing (not expired) and the proposal still open
    (DomainRefused: 409)."""
    lead = proposal.lead
    if reference.client_id != lead.program.client_id:
        raise InputError("reference", "the reference is not a customer of this lead's client")
    limit = program_reference_limit(program_id=lead.program_id)
    with transaction.atomic():
        # The reference row is the counter's lock: two proposals using it at once count right.
        locked = Reference.objects.select_for_update().get(pk=reference.pk)
        state = Proposal.objects.filter(pk=proposal.pk).values_list("state", flat=True).get()
        existing = ReferenceUse.objects.filter(reference=locked, proposal=proposal).first()
        if existing is None:
            if state in (ProposalState.WON, ProposalState.LOST):
                raise DomainRefused(
                    f"the proposal is already {ProposalState(state).label.lower()}; "
                    "references are given while it is open"
                )
            today = timezone.localtime(now).date()
            if reference_expired(locked, today=today):
                raise DomainRefused(
                    f"{locked.customer} agreed to be a reference until "
                    f"{locked.willing_until:%Y-%m-%d}; ask them again before using them"
                )
        use, created = ReferenceUse.objects.get_or_create(
            reference=locked, proposal=proposal, defaults={"used_at": now, "used_by": actor}
        )
        uses = ReferenceUse.objects.filter(
            reference=locked, used_at__gte=quarter_start(now)
        ).count()
        used = ReferenceUsed(use=use, uses_this_quarter=uses, limit=limit, created=created)
        if created:
            over = (
                f"; used {uses} times this quarter, more than the limit of {limit}"
                if used.flagged
                else f"; use {uses} of {limit} this quarter"
            )
            events_record(
                [
                    sales_note(
                        lead_id=lead.pk,
                        action="reference_used",
                        reason=f"Reference {locked.customer} given for proposal "
                        f"#{proposal.pk}{over}.",
                        details={
                            "reference": locked.pk,
                            "proposal": proposal.pk,
                            "flagged": used.flagged,
                        },
                        actor=actor,
                        now=now,
                    )
                ]
            )
    return used

"""Writes of the references database (issue 15, item 6): field sales keep a client's reference
customers, and each use of one on a proposal is recorded, counted per calendar quarter against
the program's limit (``SalesSettings.reference_uses_per_quarter``, default 2). A use past the
limit is recorded (the seller decides) but flagged, in the answer and in the lead's history.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.errors import InputError
from leadflow.leads.services import events_record
from leadflow.programs.models import Client
from leadflow.sales.models import Proposal, Reference, ReferenceUse
from leadflow.sales.selectors.references import program_reference_limit, quarter_start
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


@dataclass(frozen=True)
class ReferenceUsed:
    use: ReferenceUse
    uses_this_quarter: int
    limit: int

    @property
    def flagged(self) -> bool:
        """Used more often this quarter than the program allows."""
        return self.uses_this_quarter > self.limit


def _clean(values: dict[str, str]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for name, value in values.items():
        if name not in EDITABLE:
            raise InputError(name, "not a field of a reference")
        text = value.strip()
        if EDITABLE[name] and len(text) > EDITABLE[name]:
            raise InputError(name, f"at most {EDITABLE[name]} characters")
        cleaned[name] = text
    if "customer" in cleaned and not cleaned["customer"]:
        raise InputError("customer", "name the reference customer")
    return cleaned


def reference_create(
    *,
    client: Client,
    customer: str,
    actor: User | None,
    now: datetime,
    willing_until: date | None = None,
    **fields: str,
) -> Reference:
    values = _clean({"customer": customer, **fields})
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
    values = _clean(fields)
    for name, value in values.items():
        setattr(reference, name, value)
    reference.willing_until = willing_until
    reference.updated_at = now
    reference.updated_by = actor
    reference.save(update_fields=[*values, "willing_until", "updated_at", "updated_by"])
    return reference


def reference_use(
    *, proposal: Proposal, reference: Reference, actor: User | None, now: datetime
) -> ReferenceUsed:
    """Record that the reference is given to the prospect of ``proposal`` (once per proposal:
    again is the same use). The reference must be a customer of the proposal's client."""
    lead = proposal.lead
    if reference.client_id != lead.program.client_id:
        raise InputError("reference", "the reference is not a customer of this lead's client")
    limit = program_reference_limit(program_id=lead.program_id)
    with transaction.atomic():
        # The reference row is the counter's lock: two proposals using it at once count right.
        Reference.objects.select_for_update().filter(pk=reference.pk).first()
        use, created = ReferenceUse.objects.get_or_create(
            reference=reference, proposal=proposal, defaults={"used_at": now, "used_by": actor}
        )
        uses = ReferenceUse.objects.filter(
            reference=reference, used_at__gte=quarter_start(now)
        ).count()
        used = ReferenceUsed(use=use, uses_this_quarter=uses, limit=limit)
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
                        reason=f"Reference {reference.customer} given for proposal "
                        f"#{proposal.pk}{over}.",
                        details={
                            "reference": reference.pk,
                            "proposal": proposal.pk,
                            "flagged": used.flagged,
                        },
                        actor=actor,
                        now=now,
                    )
                ]
            )
    return used

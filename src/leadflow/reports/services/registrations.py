"""The partners' deal registrations in the summary tables (docs/REPORTS.md, "Partners": "Deal
registrations").

A registration is folded with its lead: the lead it captured (accepted, pending, rejected), or
for a refusal the lead it matched. Every step of the first kind writes an entry in the lead's
history (``deal_registered``, ``registration_decided``, and the lead's own outcome), and a
refusal announces ``partners.registration_refused``; both list the lead for the refresh, which
rewrites the ``RegistrationFact`` rows of the leads it folds here: one read of their
registrations, one delete, one plain write, whatever the number.
"""

from datetime import date
from functools import cache
from zoneinfo import ZoneInfo

from django.db.models import Q

from leadflow.lib.rows import rows_copy
from leadflow.partners.models import Registration, RegistrationStatus
from leadflow.partners.services.registrations import refusal_class
from leadflow.reports.models import RegistrationFact

#: The columns of ``RegistrationFact``, in the order of the fold's rows.
REGISTRATION_COLUMNS = (
    "registration_id", "lead_id", "program_id", "partner_id", "day", "status", "refusal",
    "approved", "outcome",
)  # fmt: skip


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name or "UTC")


def registrations_fold(*, leads: Q, outcomes: dict[int, str]) -> set[tuple[int, date]]:
    """Rewrite the registrations of the leads ``leads`` selects (a condition on ``lead_id``);
    ``outcomes`` is each folded lead's ``won``, ``lost`` or ``open``, which an accepted
    registration takes from its lead (a refused one matched someone else's lead: no outcome).
    Returns the (program, day) pairs they were and are in."""
    touched = set(RegistrationFact.objects.filter(leads).values_list("program_id", "day"))
    found = Registration.objects.filter(leads).values_list(
        "id", "lead_id", "program_id", "partner_id", "program__client__timezone",
        "registered_at", "status", "reason", "decided_by_id",
    )  # fmt: skip
    rows = []
    for (
        registration_id, lead_id, program_id, partner_id, zone, registered_at, status, reason,
        decided_by,
    ) in found:  # fmt: skip
        day = registered_at.astimezone(_zone(zone)).date()
        touched.add((program_id, day))
        accepted = status == RegistrationStatus.ACCEPTED
        rows.append(
            (
                registration_id, lead_id, program_id, partner_id, day, status,
                refusal_class(reason) if status == RegistrationStatus.REFUSED else "",
                accepted and decided_by is not None,
                outcomes.get(lead_id, "open") if accepted else "",
            )
        )  # fmt: skip
    RegistrationFact.objects.filter(leads).delete()
    rows_copy(RegistrationFact, REGISTRATION_COLUMNS, rows)
    return touched

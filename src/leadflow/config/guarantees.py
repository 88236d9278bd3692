"""What the apps above the guarantees add to its pages (issue 20, item 2: the ledger shows leads
and appointments side by side), so the guarantees app names none of them.

- ``LEDGER_SECTIONS``: dotted paths of ``section(*, program, terms, now, since) -> LedgerSection
  | None`` (``guarantees.selectors.LedgerSection``): columns the app adds to a program's ledger,
  per period of the guarantee's terms (``terms.period`` in the client's timezone); ``since`` is
  the first day the leads' ledger counts something (or the terms' first day), so the section
  starts no later; None adds nothing (the app has nothing to show for the program).
- ``DISPUTE_LINKS``: pages of other disputes shown on the disputes page, as (label, URL name)
  for the roles that read disputes.

This module imports nothing of the apps; it sits with the other registries of ``config``.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DisputeLink:
    label: str
    url_name: str


LEDGER_SECTIONS: tuple[str, ...] = ("leadflow.appointments.guarantees.appointment_ledger_section",)

DISPUTE_LINKS: tuple[DisputeLink, ...] = (
    DisputeLink("Disputes of appointments", "appointments:disputes"),
)

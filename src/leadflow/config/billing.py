"""Where the billing statement finds what was delivered (issue 20, item 3).

The billing app builds a program's statement of a period from the deliverables and upheld
disputes the sources listed here return, so an app above it (appointments) adds its
deliverables by adding a source, never by editing billing. A source is a ``BillingSource``:

- ``kind``: the ``core.billing.DeliverableKind`` value of what it returns (``lead``,
  ``appointment``);
- ``collect``: dotted path of ``collect(*, program, start, end, upheld_from) -> SourceItems``
  (the billing app's ``leadflow.billing.sources.SourceItems``): the deliverables first
  delivered in ``[start, end)`` with the rating they were delivered at, and the disputes upheld
  in ``[upheld_from, end)`` (the billing app keeps those already credited off the statement);
- ``urls``: dotted path of ``urls(*, user, ids) -> dict[id, url]``: where each deliverable's
  page is for that viewer (its scope), or nothing for one they may not open.

This module imports nothing of the apps; it sits with the other registries of ``config``.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BillingSource:
    kind: str
    collect: str
    urls: str


BILLING_SOURCES: tuple[BillingSource, ...] = (
    BillingSource(
        "lead",
        "leadflow.billing.sources.delivered_leads",
        "leadflow.billing.sources.lead_urls",
    ),
    BillingSource(
        "appointment",
        "leadflow.appointments.billing.delivered_appointments",
        "leadflow.appointments.billing.appointment_urls",
    ),
)

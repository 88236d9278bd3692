"""Every write of the partners app (a package of one module per concept):

- ``routing``: ``leads_route`` (hand-off to partners);
- ``queue``: ``routing_queue_drain``;
- ``portal``: ``lead_claim``, ``lead_decline``, ``lead_contact_record``,
  ``lead_outcome_record``, ``lead_reassign``;
- ``sweep``: ``sla_sweep``;
- ``partners``: ``partner_create``, ``partner_capacity_set``, ``partner_member_add``,
  ``territories_set``, ``partner_levels_set``, ``sla_policy_set``, ``partner_flow_enable``;
- ``requalify``: ``lead_requalified_from_nurture``;
- ``notify``: the e-mails, queued in the notification outbox.
"""

from leadflow.core.routing import CapacityReached, NotRoutable
from leadflow.core.sla import ClockMissed
from leadflow.partners.services.partners import (
    partner_capacity_set,
    partner_create,
    partner_flow_enable,
    partner_levels_set,
    partner_member_add,
    sla_policy_set,
    territories_set,
)
from leadflow.partners.services.portal import (
    PartnerInputError,
    lead_claim,
    lead_contact_record,
    lead_decline,
    lead_outcome_record,
    lead_reassign,
)
from leadflow.partners.services.queue import routing_queue_drain
from leadflow.partners.services.requalify import lead_requalified_from_nurture
from leadflow.partners.services.routing import RouteResult, leads_route
from leadflow.partners.services.sweep import SweepResult, sla_sweep

__all__ = [
    "CapacityReached",
    "ClockMissed",
    "NotRoutable",
    "PartnerInputError",
    "RouteResult",
    "SweepResult",
    "lead_claim",
    "lead_contact_record",
    "lead_decline",
    "lead_outcome_record",
    "lead_reassign",
    "lead_requalified_from_nurture",
    "leads_route",
    "partner_capacity_set",
    "partner_create",
    "partner_flow_enable",
    "partner_levels_set",
    "partner_member_add",
    "routing_queue_drain",
    "sla_policy_set",
    "sla_sweep",
    "territories_set",
]

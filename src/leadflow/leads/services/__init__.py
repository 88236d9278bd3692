"""Every write to a lead, one module per concept (Zulip's ``actions/``): capturing inquiries
(``create``), merging an inquiry into its lead (``merge``), the lifecycle's one transition
path (``transitions``), (re-)qualification (``qualify``) and the history (``history``). Each
function locks the rows it changes, checks the change with the core, saves, and writes the
LeadEvent in one transaction."""

from leadflow.core.lifecycle import OPEN_STATUSES
from leadflow.leads.services.create import LeadInput, lead_create, leads_create_bulk
from leadflow.leads.services.history import event_build, event_record, events_record
from leadflow.leads.services.merge import MERGE_FILLABLE, lead_merge, leads_merge_bulk
from leadflow.leads.services.qualify import (
    QUALIFICATION_FIELDS,
    REQUALIFIED_FIELDS,
    lead_disqualify,
    lead_requalify,
    lead_update_answers,
    leads_requalify_bulk,
)
from leadflow.leads.services.transitions import (
    LeadStep,
    lead_transition,
    leads_move,
    leads_transition,
)

__all__ = [
    "MERGE_FILLABLE",
    "OPEN_STATUSES",
    "QUALIFICATION_FIELDS",
    "REQUALIFIED_FIELDS",
    "LeadInput",
    "LeadStep",
    "event_build",
    "event_record",
    "events_record",
    "lead_create",
    "lead_disqualify",
    "lead_merge",
    "lead_requalify",
    "lead_transition",
    "lead_update_answers",
    "leads_create_bulk",
    "leads_merge_bulk",
    "leads_move",
    "leads_requalify_bulk",
    "leads_transition",
]

"""Writes of client delivery (DESIGN.md, "Hand-off", client delivery), one module per concept:
the program's settings (``schedules``), deliveries and scheduled batches (``batches``), Hot-lead
exceptions (``hot``), the deliverables of the apps above (``deliverables``) and the periodic
run (``periodic``)."""

from leadflow.delivery.services.batches import (
    BatchResult,
    delivery_batch_run,
    delivery_create,
    delivery_resend,
)
from leadflow.delivery.services.deliverables import (
    Deliverable,
    DeliverableField,
    deliverable_deliver,
)
from leadflow.delivery.services.hot import (
    AlertResult,
    HotRefused,
    hot_lead_deliver_now,
    hot_lead_escalate,
    hot_leads_alert,
    hot_leads_deliver,
)
from leadflow.delivery.services.periodic import DueRun, deliveries_run_due
from leadflow.delivery.services.schedules import (
    BATCH_RATINGS,
    DeliveryError,
    ScheduleSettings,
    schedule_of,
    schedule_save,
    schedule_webhook_secret_rotate,
)

__all__ = [
    "BATCH_RATINGS",
    "AlertResult",
    "BatchResult",
    "Deliverable",
    "DeliverableField",
    "DeliveryError",
    "DueRun",
    "HotRefused",
    "ScheduleSettings",
    "deliverable_deliver",
    "deliveries_run_due",
    "delivery_batch_run",
    "delivery_create",
    "delivery_resend",
    "hot_lead_deliver_now",
    "hot_lead_escalate",
    "hot_leads_alert",
    "hot_leads_deliver",
    "schedule_of",
    "schedule_save",
    "schedule_webhook_secret_rotate",
]

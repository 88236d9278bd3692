"""Every write of nurture, one module per concept: building sequences (``sequences``),
entering and leaving them (``enrollment``), the due-touch engine (``touches``), the e-mails'
rendering (``email``, which writes nothing), responses, consent and call tasks
(``responses``)."""

from leadflow.nurture.services.email import (
    MERGE_FIELDS,
    RenderedEmail,
    email_render,
    template_check,
)
from leadflow.nurture.services.enrollment import (
    EnrolResult,
    enrollments_leave,
    lead_enrol,
    lead_leave,
    leads_enrol,
    leads_stopped_nurturing,
    sequence_enter,
)
from leadflow.nurture.services.responses import (
    address_bounced,
    call_task_done,
    lead_mark_bounced,
    lead_responded,
    leads_merged_responded,
    link_clicked,
    mailing_list_mark_exported,
    sent_unsubscribe,
)
from leadflow.nurture.services.sequences import (
    nurture_settings_save,
    sequence_create,
    sequence_delete,
    sequence_update,
    touch_add,
    touch_delete,
    touch_move,
    touch_update,
)
from leadflow.nurture.services.touches import touches_due_process

__all__ = [
    "MERGE_FIELDS",
    "EnrolResult",
    "RenderedEmail",
    "address_bounced",
    "call_task_done",
    "email_render",
    "enrollments_leave",
    "lead_enrol",
    "lead_leave",
    "lead_mark_bounced",
    "lead_responded",
    "leads_enrol",
    "leads_merged_responded",
    "leads_stopped_nurturing",
    "link_clicked",
    "mailing_list_mark_exported",
    "nurture_settings_save",
    "sent_unsubscribe",
    "sequence_create",
    "sequence_delete",
    "sequence_enter",
    "sequence_update",
    "template_check",
    "touch_add",
    "touch_delete",
    "touch_move",
    "touch_update",
    "touches_due_process",
]

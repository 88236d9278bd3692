"""Who acts on what: the subscriptions of the event bus (``leadflow.lib.events``).

A base app announces an event and names no app built on it; the apps above subscribe here,
by dotted path, so every reaction to an event can be found in this one file (the same way
``config/schedule.py`` lists the periodic jobs). A handler takes the event's payload as
keyword arguments.

Events (payload):
- ``criteria.published`` (``program_id``, ``version_id``, ``actor_id``, ``now``): a program
  published a new criteria version.
- ``leads.approved`` (``lead_ids``, ``now``): leads passed QA review, or re-qualified out of
  nurture as Hot, A or B; they are ready for hand-off.
- ``leads.delivered`` (``lead_ids``, ``now``): leads were delivered to the client.
- ``leads.nurtured`` (``lead_ids``, ``now``): leads entered nurture.
- ``leads.merged`` (``lead_ids``, ``statuses``, ``now``): new inquiries (a form fill, an API
  capture, an import row) were merged into existing leads; ``statuses`` are the leads' statuses
  after the merge, in the order of ``lead_ids``.
- ``leads.reassigned`` (``lead_ids``, ``now``): leads were taken from one partner and given to
  another, or put back in the routing queue.
- ``leads.status_changed`` (``lead_ids``, ``action``, ``now``): any lifecycle step, once per
  step and action.
- ``leads.history_recorded`` (``lead_ids``): entries were added to these leads' history;
  announced inside the writing transaction (subscribe with ``after_commit=False``).
- ``partners.registration_refused`` (``lead_ids``): a partner's deal registration matched
  these leads and was refused (no entry in their history says so); announced inside the
  registering transaction (subscribe with ``after_commit=False``).
- ``delivery.created`` (``delivery_id``, ``now``): a delivery (batch or Hot) was built; its
  subscriptions run inside the delivery's transaction.
- ``appointments.booked`` (``appointment_id``, ``now``): a sales call was booked for a lead,
  or moved (its successor, the same invitation with a higher SEQUENCE, is booked).
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Subscription:
    event: str
    handler: str
    #: Run as a task once the announcing change has committed (the default), or inside its
    #: transaction, as part of the change.
    after_commit: bool = True
    #: The task queue of an after-commit handler (settings.TASK_QUEUES): ``urgent`` for what
    #: the SLA waits on (Hot-lead delivery, routing), ``bulk`` for mass work.
    queue: str = "default"
    #: For an in-transaction handler: the dotted path of a function giving the same work as one
    #: SQL statement over the new rows (``statement(source)`` → ``INSERT … SELECT … FROM
    #: source``), which a writer that records its rows in one statement joins to it as a
    #: data-modifying CTE instead of calling the handler (``lib.events.announce_joined``).
    statement: str = ""
    #: For an after-commit handler: the dotted path of ``wanted(**payload) -> bool``, asked in
    #: process when the event is announced; False queues no task (the handler would find
    #: nothing to do: the nurture response of a merge into a lead that is not nurturing), so
    #: the announcing request sends no statement for it.
    wanted: str = ""


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription("criteria.published", "leadflow.leads.handlers.criteria_published", queue="bulk"),
    Subscription("leads.approved", "leadflow.delivery.handlers.leads_approved", queue="urgent"),
    Subscription("leads.approved", "leadflow.partners.handlers.leads_approved", queue="urgent"),
    Subscription("leads.delivered", "leadflow.partners.handlers.leads_delivered", queue="urgent"),
    Subscription(
        "delivery.created", "leadflow.guarantees.handlers.delivery_created", after_commit=False
    ),
    Subscription(
        "delivery.created", "leadflow.billing.handlers.delivery_created", after_commit=False
    ),
    Subscription("leads.nurtured", "leadflow.nurture.handlers.leads_nurtured", queue="bulk"),
    Subscription(
        "leads.merged",
        "leadflow.nurture.handlers.leads_merged",
        queue="bulk",
        wanted="leadflow.nurture.handlers.leads_merged_wanted",
    ),
    Subscription(
        "leads.status_changed", "leadflow.nurture.handlers.leads_status_changed", after_commit=False
    ),
    Subscription("leads.status_changed", "leadflow.sales.handlers.leads_status_changed"),
    Subscription(
        "leads.history_recorded", "leadflow.scoring.handlers.history_recorded", after_commit=False
    ),
    Subscription(
        "appointments.booked",
        "leadflow.appointments.handlers.appointment_booked",
        queue="urgent",
    ),
    Subscription(
        "leads.history_recorded",
        "leadflow.reports.handlers.history_recorded",
        after_commit=False,
        statement="leadflow.reports.handlers.history_recorded_statement",
    ),
    Subscription(
        "partners.registration_refused",
        "leadflow.reports.handlers.registration_refused",
        after_commit=False,
    ),
)

"""Needs assessments (issue 15, item 3): sent to the prospect, tracked (sent, in progress,
returned with the returned document, not completed), followed up on the prospect's own
completion date, and routed by their outcome as the program's flow says:

- meets 2 of BANT → offer a remote demo (a "demo preparation" task);
- meets 3 or 4 → hand to field sales or a partner, as the lifecycle does it (DESIGN.md,
  Lifecycle and Hand-off): a lead being qualified is submitted to QA review through the leads
  app's submit path, and QA approval hands it to a partner or field sales through the partner
  routing. When the submission is refused (a required question unanswered, another qualifier
  holding the lead, no one to submit it) or the lead is past review already, the owner gets
  the task "Hand to field sales or a partner" instead, and the history says why; a lead in QA
  review already is left to the review;
- no interest → the dead file (the lead's lifecycle step; its open tasks are cancelled).

Sending the assessment sends the program's needs-assessment kit when it has one
(``SalesKit.is_assessment``), which finishes the flow's "send the needs-assessment kit" task.
The follow-up call is due at the program's task hour on the completion date (the next working
day when the date is not one) and moves with it. Every step is a note in the lead's history.
"""

from datetime import date, datetime, time

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.errors import CriteriaError, DomainRefused, InputError
from leadflow.core.lifecycle import PARTNER_HELD, Action, LeadStatus
from leadflow.core.sales import due_on_day
from leadflow.leads.models import Lead
from leadflow.leads.services import events_record, lead_transition
from leadflow.leads.services.queue import lead_submit_for_review
from leadflow.programs.models import Program
from leadflow.sales.models import (
    Assessment,
    AssessmentOutcome,
    AssessmentState,
    Task,
    TaskKind,
    TaskState,
)
from leadflow.sales.selectors.demos import kit_for_lead
from leadflow.sales.selectors.tasks import program_calendar, sales_settings
from leadflow.sales.services.documents import document_check
from leadflow.sales.services.kits import kit_send
from leadflow.sales.services.tasks import (
    sales_note,
    task_create,
    task_update,
    tasks_cancel,
)

MAX_TEXT = 10_000


def _note(
    assessment: Assessment, action: str, reason: str, actor: User | None, now: datetime
) -> None:
    events_record(
        [
            sales_note(
                lead_id=assessment.lead_id,
                action=action,
                reason=reason,
                details={"assessment": assessment.pk, "state": assessment.state},
                actor=actor,
                now=now,
            )
        ]
    )


def _follow_up_due(lead: Lead, day: date) -> datetime:
    found = sales_settings(lead.program_id)
    return due_on_day(day, program_calendar(lead.program, found), time(found.task_hour, 0))


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _schedule_follow_up(
    assessment: Assessment, owner: User | None, actor: User | None, now: datetime
) -> None:
    """The assessment's open follow-up call moves to its completion date (one is made for
    ``owner`` when there is none)."""
    if assessment.completion_date is None:
        return
    due = _follow_up_due(assessment.lead, assessment.completion_date)
    open_tasks = list(assessment.tasks.filter(state=TaskState.OPEN))
    for task in open_tasks:
        task_update(task=task, due_at=due, actor=actor, now=now)
    if not open_tasks and owner is not None:
        task_create(
            lead=assessment.lead,
            kind=TaskKind.ASSESSMENT_FOLLOW_UP,
            owner=owner,
            due_at=due,
            title="Follow up the needs assessment",
            assessment=assessment,
            actor=actor,
            now=now,
        )


@transaction.atomic
def assessment_send(
    *,
    lead: Lead,
    actor: User | None,
    now: datetime,
    completion_date: date | None = None,
    owner: User | None = None,
) -> Assessment:
    """Record a needs assessment sent to the prospect (sending the program's assessment kit
    when it has one); with the prospect's completion date, a follow-up call on it for
    ``owner`` (default: the actor)."""
    assessment = Assessment.objects.create(
        lead=lead,
        state=AssessmentState.SENT,
        sent_at=now,
        completion_date=completion_date,
        created_by=actor,
        updated_at=now,
    )
    kit = kit_for_lead(lead=lead, assessment=True)
    how = ""
    if kit is not None:
        sent = kit_send(kit=kit, lead=lead, actor=actor, now=now)
        how = (
            f" by e-mail (“{kit.name}”)" if not sent.skipped else f" (kit not sent: {sent.skipped})"
        )
    when = (
        f"; the prospect means to complete it by {_day(completion_date)}" if completion_date else ""
    )
    _note(assessment, "sales_assessment_sent", f"Needs assessment sent{how}{when}.", actor, now)
    _schedule_follow_up(assessment, owner or actor, actor, now)
    return assessment


def _locked(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("lead", "lead__program", "lead__program__client")
        .get(pk=assessment.pk)
    )


def _require_pending(assessment: Assessment) -> None:
    if assessment.state not in (AssessmentState.SENT, AssessmentState.IN_PROGRESS):
        raise DomainRefused(f"the assessment is {assessment.get_state_display().lower()} already")


@transaction.atomic
def assessment_update(
    *,
    assessment: Assessment,
    actor: User | None,
    now: datetime,
    state: str | None = None,
    completion_date: date | None = None,
    notes: str | None = None,
) -> Assessment:
    """The prospect is working on it (``in_progress``), or will not finish it
    (``not_completed``); a new completion date moves the follow-up call."""
    assessment = _locked(assessment)
    _require_pending(assessment)
    words = []
    if state is not None and state != assessment.state:
        if state not in (AssessmentState.IN_PROGRESS, AssessmentState.NOT_COMPLETED):
            raise InputError("state", "an assessment is marked in progress or not completed here")
        assessment.state = state
        words.append(f"now {assessment.get_state_display().lower()}")
    if completion_date is not None and completion_date != assessment.completion_date:
        assessment.completion_date = completion_date
        words.append(f"to be completed by {_day(completion_date)}")
    if notes is not None:
        if len(notes) > MAX_TEXT or "\x00" in notes:
            raise InputError("notes", f"at most {MAX_TEXT} characters, no NUL")
        assessment.notes = notes
    if not words and notes is None:
        return assessment
    assessment.updated_at = now
    assessment.save()
    if words:
        _note(
            assessment, "sales_assessment_changed", f"Needs assessment {', '.join(words)}.",
            actor, now,
        )  # fmt: skip
    if assessment.state == AssessmentState.NOT_COMPLETED:
        tasks_cancel(
            tasks=list(assessment.tasks.filter(state=TaskState.OPEN)),
            actor=actor,
            now=now,
            reason="the prospect will not complete the assessment",
        )
    else:
        _schedule_follow_up(assessment, None, actor, now)
    return assessment


@transaction.atomic
def assessment_return(
    *,
    assessment: Assessment,
    actor: User | None,
    now: datetime,
    document: UploadedFile | None = None,
) -> Assessment:
    """The prospect returned the assessment (with the returned document, checked by its
    content)."""
    assessment = _locked(assessment)
    _require_pending(assessment)
    if document is not None:
        checked = document_check(document)
        assessment.document_name = checked.filename
        assessment.document_type = checked.content_type
        assessment.document.save(checked.filename, ContentFile(checked.data), save=False)
    assessment.state = AssessmentState.RETURNED
    assessment.returned_at = now
    assessment.updated_at = now
    assessment.save()
    attached = f" ({assessment.document_name})" if document is not None else ""
    _note(
        assessment, "sales_assessment_returned", f"Needs assessment returned{attached}.", actor, now
    )
    return assessment


#: The task each outcome gives, and its title.
ROUTES = {
    AssessmentOutcome.REMOTE_DEMO: (TaskKind.DEMO_PREPARATION, "Offer a remote demo"),
    AssessmentOutcome.FIELD_SALES: (TaskKind.OTHER, "Hand to field sales or a partner"),
}
#: Why a lead meeting 3 or 4 of BANT goes to QA review (DESIGN.md, Lifecycle).
HAND_OFF_REASON = "Meets 3 or 4 of BANT after the needs assessment"
#: Statuses a lead reaches only through QA review.
PAST_REVIEW = frozenset(
    {LeadStatus.APPROVED, LeadStatus.DELIVERED, LeadStatus.CLOSED_WON, LeadStatus.CLOSED_LOST}
    | PARTNER_HELD
)


def _hand_off(lead: Lead, actor: User | None, now: datetime) -> tuple[bool, str]:
    """Send a lead meeting 3 or 4 of BANT on its way to field sales or a partner: submitted to
    QA review while it is being qualified (approval routes it). Whether a task must do it
    instead, and the words for the history."""
    status = LeadStatus(lead.status)
    if status == LeadStatus.IN_REVIEW:
        return False, "The lead is in QA review already: its approval hands it on."
    if status != LeadStatus.QUALIFYING:
        where = "past QA review" if status in PAST_REVIEW else "not being qualified"
        return True, f"The lead is {status.label.lower()}, {where}: a task to hand it over."
    refused = ""
    held = lead.held_by_id is not None and lead.held_until is not None and lead.held_until > now
    if actor is None:
        refused = "nobody signed in to submit it"
    elif held and lead.held_by is not None and lead.held_by_id != actor.pk:
        holder = lead.held_by.get_full_name() or lead.held_by.get_username()
        refused = f"{holder} is working on the lead in the qualification queue"
    else:
        try:
            with transaction.atomic():
                lead_submit_for_review(lead=lead, user=actor, now=now)
        except CriteriaError as exc:
            refused = f"the qualification is incomplete ({exc})"
        except Program.DoesNotExist:
            refused = "the program has no published criteria"
        except DomainRefused as exc:
            refused = str(exc)
    if refused:
        return True, f"Not submitted to QA review: {refused}; a task to hand it over instead."
    return False, (
        f"Submitted to QA review ({HAND_OFF_REASON}); once approved, it is handed to field "
        "sales or a partner."
    )


@transaction.atomic
def assessment_outcome_record(
    *,
    assessment: Assessment,
    outcome: str,
    actor: User | None,
    now: datetime,
    owner: User | None = None,
) -> Assessment:
    """Record what the assessment showed and route the lead (see the module): a new task
    goes to ``owner`` (default: the actor)."""
    if outcome not in AssessmentOutcome.values:
        raise InputError("outcome", "the outcome is remote_demo, field_sales or dead_file")
    assessment = _locked(assessment)
    if assessment.outcome:
        raise DomainRefused("the assessment's outcome is recorded already")
    assessment.outcome = outcome
    assessment.updated_at = now
    assessment.save(update_fields=["outcome", "updated_at"])
    said = f"Needs assessment outcome: {AssessmentOutcome(outcome).label}."
    lead = assessment.lead
    if outcome == AssessmentOutcome.DEAD_FILE:
        _note(assessment, "sales_assessment_outcome", said, actor, now)
        open_tasks = list(Task.objects.filter(lead=lead, state=TaskState.OPEN))
        tasks_cancel(tasks=open_tasks, actor=actor, now=now, reason="no interest")
        lead_transition(
            lead=lead,
            action=Action.DEAD_FILE,
            actor=actor,
            now=now,
            reason="No interest after the needs assessment",
        )
        return assessment
    needs_task = True
    if outcome == AssessmentOutcome.FIELD_SALES:
        needs_task, why = _hand_off(lead, actor, now)
        said = f"{said} {why}"
    _note(assessment, "sales_assessment_outcome", said, actor, now)
    kind, title = ROUTES[AssessmentOutcome(outcome)]
    who = owner or actor
    if needs_task and who is not None:
        task_create(
            lead=lead, kind=kind, title=title, owner=who, due_at=now, assessment=assessment,
            actor=actor, now=now,
        )  # fmt: skip
    return assessment

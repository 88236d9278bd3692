"""The due-touch engine (issue 14, "Work at volume"): a periodic job finds the enrollments
whose next touch is due (a partial index on ``next_touch_at`` of active enrollments), claims a
batch with ``SELECT … FOR UPDATE SKIP LOCKED`` so that several workers never take the same
one, and does the batch's touches set-based in one transaction:

- an e-mail is queued in the notification outbox, keyed ``nurture:<sent id>`` (one message per
  touch per lead, never twice), with ``List-Unsubscribe`` (an HTTPS URL) and
  ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), its links rewritten to
  signed redirects; an address the client's consent forbids is skipped, and the skip recorded;
- a direct-mail touch puts the lead on the program's mailing list with its postal address;
- a call touch gives the qualifiers a call task due now (skipped for a do-not-call number).

Each touch done is a ``TouchSent`` row (unique per enrollment and touch) holding a copy of
what went out, and a note in the lead's history. The enrollment then waits for its next
touch, in the program's working days. Ten working days after its last touch a sequence ends:
the lead goes to the dead file or on to the long-term sequence (``Sequence.on_end``).

E-mails are throttled per program (``NurtureSettings.per_minute``): a program that reached its
number of e-mails in the last minute waits for the next run; the other programs go on.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction

from leadflow.core.consent import ConsentChannel
from leadflow.core.errors import NormalisationError
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.core.normalise import normalise_email
from leadflow.core.nurture import END_AFTER_DAYS, touch_due
from leadflow.leads.models import Lead, LeadEvent
from leadflow.leads.services import LeadStep, events_record, leads_transition
from leadflow.notifications.services import email_enqueue
from leadflow.nurture import tracking
from leadflow.nurture.models import (
    CallTask,
    Enrollment,
    EnrollmentState,
    LeaveReason,
    MailingListEntry,
    NurtureSettings,
    OnEnd,
    Sequence,
    Touch,
    TouchKind,
    TouchSent,
)
from leadflow.nurture.selectors import (
    consent_blocked,
    emails_sent_since,
    program_calendar,
    program_settings,
)
from leadflow.nurture.services.email import email_compose
from leadflow.nurture.services.enrollment import _enter, _leave, _note

TOUCHED = "nurture_touch"
BATCH = 500


def outbox_key(sent_id: int) -> str:
    return f"nurture:{sent_id}"


def touches_due_process(*, now: datetime, limit: int = 5000, batch_size: int = BATCH) -> int:
    """Do the touches due by ``now``, a batch per transaction, at most ``limit`` enrollments.
    Returns how many enrollments were handled (touches done or skipped, sequences ended)."""
    handled = 0
    throttled: set[int] = set()
    while handled < limit:
        with transaction.atomic():
            batch = _claim(now, min(batch_size, limit - handled), throttled)
            if not batch:
                break
            handled += _process(batch, now, throttled)
    return handled


def _claim(now: datetime, size: int, throttled: set[int]) -> list[Enrollment]:
    due = Enrollment.objects.filter(state=EnrollmentState.ACTIVE, next_touch_at__lte=now)
    if throttled:
        due = due.exclude(sequence__program_id__in=throttled)
    ids = list(
        due.select_for_update(skip_locked=True, of=("self",))
        .order_by("next_touch_at", "id")
        .values_list("id", flat=True)[:size]
    )
    if not ids:
        return []
    return list(
        Enrollment.objects.filter(pk__in=ids)
        .select_related(
            "sequence", "sequence__program", "sequence__program__client", "lead__program__client"
        )
        .order_by("next_touch_at", "id")
    )


def _process(batch: list[Enrollment], now: datetime, throttled: set[int]) -> int:
    sequence_ids = {enrollment.sequence_id for enrollment in batch}
    touches: dict[int, list[Touch]] = defaultdict(list)
    for touch in Touch.objects.filter(sequence_id__in=sequence_ids).order_by("position", "id"):
        touches[touch.sequence_id].append(touch)
    done: dict[int, set[int]] = defaultdict(set)
    for enrollment_id, touch_id in TouchSent.objects.filter(
        enrollment__in=batch, touch__isnull=False
    ).values_list("enrollment_id", "touch_id"):
        done[enrollment_id].add(touch_id)
    program_ids = {enrollment.sequence.program_id for enrollment in batch}
    settings = program_settings(program_ids)
    budget = _email_budget(settings, now)

    stopped: list[Enrollment] = []
    ended: list[Enrollment] = []
    work: list[tuple[Enrollment, Touch]] = []
    for enrollment in batch:
        if enrollment.lead.status != LeadStatus.NURTURING:
            stopped.append(enrollment)
            continue
        pending = [t for t in touches[enrollment.sequence_id] if t.pk not in done[enrollment.pk]]
        if not pending:
            ended.append(enrollment)
            continue
        touch = pending[0]
        program_id = enrollment.sequence.program_id
        if touch.kind == TouchKind.EMAIL:
            if budget[program_id] <= 0:
                throttled.add(program_id)
                continue
            budget[program_id] -= 1
        work.append((enrollment, touch))

    handled = len(stopped) + len(ended) + len(work)
    if stopped:
        _leave([e.lead_id for e in stopped], LeaveReason.STATUS_CHANGED, None, now, "not nurturing")
    _do_touches(work, touches, done, settings, now)
    _end(ended, now)
    return handled


def _email_budget(settings: dict[int, NurtureSettings], now: datetime) -> dict[int, int]:
    sent = emails_sent_since(program_ids=settings, since=now - timedelta(minutes=1))
    return {pid: max(row.per_minute - sent.get(pid, 0), 0) for pid, row in settings.items()}


def _do_touches(
    work: list[tuple[Enrollment, Touch]],
    touches: dict[int, list[Touch]],
    done: dict[int, set[int]],
    settings: dict[int, NurtureSettings],
    now: datetime,
) -> None:
    if not work:
        return
    blocked = _blocked(work)
    sent_rows = TouchSent.objects.bulk_create(
        [
            TouchSent(
                enrollment=enrollment,
                touch=touch,
                lead=enrollment.lead,
                kind=touch.kind,
                position=touch.position,
                due_at=enrollment.next_touch_at or now,
                done_at=now,
                skipped=_skip_reason(enrollment.lead, touch, blocked),
            )
            for enrollment, touch in work
        ]
    )
    mailing: list[MailingListEntry] = []
    calls: list[CallTask] = []
    events: list[LeadEvent] = []
    for (enrollment, touch), sent in zip(work, sent_rows, strict=True):
        lead = enrollment.lead
        if not sent.skipped:
            if touch.kind == TouchKind.EMAIL:
                _email(sent, touch, lead, now)
            elif touch.kind == TouchKind.DIRECT_MAIL:
                mailing.append(_mailing_entry(sent, lead, enrollment, now))
            else:
                calls.append(
                    CallTask(
                        program_id=enrollment.sequence.program_id,
                        lead=lead,
                        sent=sent,
                        due_at=now,
                        script=touch.call_script,
                    )
                )
        events.append(_touch_note(enrollment, touch, sent, done[enrollment.pk], now))
        done[enrollment.pk].add(touch.pk)
        _advance(enrollment, touch, touches, done, settings, now)
    TouchSent.objects.bulk_update(
        [sent for sent in sent_rows if sent.kind == TouchKind.EMAIL and not sent.skipped],
        ["outbox_key", "to_address", "subject", "body_text", "links"],
        batch_size=BATCH,
    )
    MailingListEntry.objects.bulk_create(mailing)
    CallTask.objects.bulk_create(calls)
    events_record(events)
    Enrollment.objects.bulk_update(
        [enrollment for enrollment, _ in work], ["step", "next_touch_at"], batch_size=BATCH
    )


def _blocked(work: Iterable[tuple[Enrollment, Touch]]) -> set[tuple[int, str, str]]:
    """(client id, channel, address) of the batch that the clients' consent forbids."""
    wanted: dict[tuple[int, ConsentChannel], set[str]] = defaultdict(set)
    for enrollment, touch in work:
        client_id = enrollment.sequence.program.client_id
        if touch.kind == TouchKind.EMAIL:
            wanted[(client_id, ConsentChannel.EMAIL)].add(_address(enrollment.lead.email))
        elif touch.kind == TouchKind.CALL and enrollment.lead.phone:
            wanted[(client_id, ConsentChannel.PHONE)].add(enrollment.lead.phone.strip())
    blocked: set[tuple[int, str, str]] = set()
    for (client_id, channel), addresses in wanted.items():
        for address in consent_blocked(client_id=client_id, channel=channel, addresses=addresses):
            blocked.add((client_id, channel, address))
    return blocked


def _address(email: str) -> str:
    if not email.strip():
        return ""
    try:
        return normalise_email(email)
    except NormalisationError:
        return ""


def _skip_reason(lead: Lead, touch: Touch, blocked: set[tuple[int, str, str]]) -> str:
    client_id = lead.program.client_id
    if touch.kind == TouchKind.EMAIL:
        address = _address(lead.email)
        if not address:
            return "no usable e-mail address"
        if (client_id, ConsentChannel.EMAIL, address) in blocked:
            return "the e-mail address is unsubscribed or bounced"
    elif touch.kind == TouchKind.CALL:
        if not lead.phone.strip():
            return "no phone number"
        if (client_id, ConsentChannel.PHONE, lead.phone.strip()) in blocked:
            return "the phone number is marked do not call"
    return ""


def _email(sent: TouchSent, touch: Touch, lead: Lead, now: datetime) -> None:
    """Render the touch's e-mail for the lead and queue it in the outbox."""
    unsubscribe = tracking.unsubscribe_url(sent_id=sent.pk)
    rendered = email_compose(
        subject=touch.subject,
        body=touch.body_text,
        lead=lead,
        link_url=lambda index: tracking.link_url(sent_id=sent.pk, index=index),
        unsubscribe_url=unsubscribe,
    )
    sent.outbox_key = outbox_key(sent.pk)
    sent.to_address = _address(lead.email)
    sent.subject = rendered.subject
    sent.body_text = rendered.text
    sent.links = rendered.links
    email_enqueue(
        key=sent.outbox_key,
        to=[lead.email],
        subject=rendered.subject,
        body=rendered.text,
        html_body=rendered.html,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # Postmark returns its metadata with bounces and complaints (the tracking webhook).
            "X-PM-Metadata-leadflow-sent": str(sent.pk),
        },
        now=now,
    )


def _mailing_entry(
    sent: TouchSent, lead: Lead, enrollment: Enrollment, now: datetime
) -> MailingListEntry:
    return MailingListEntry(
        program_id=enrollment.sequence.program_id,
        lead=lead,
        sent=sent,
        first_name=lead.first_name,
        last_name=lead.last_name,
        title=lead.title,
        company=lead.company,
        street=lead.street,
        city=lead.city,
        postal_code=lead.postal_code,
        subdivision=lead.subdivision,
        country=lead.country,
        created_at=now,
    )


_DONE_WORDS = {
    TouchKind.EMAIL: "E-mail “{subject}” sent",
    TouchKind.DIRECT_MAIL: "Put on the mailing list for direct mail",
    TouchKind.CALL: "Call task created",
}


def _touch_note(
    enrollment: Enrollment, touch: Touch, sent: TouchSent, done_before: set[int], now: datetime
) -> LeadEvent:
    number = len(done_before) + 1
    what = _DONE_WORDS[TouchKind(touch.kind)].format(subject=sent.subject or touch.subject)
    if sent.skipped:
        what = f"{TouchKind(touch.kind).label} skipped: {sent.skipped}"
    return _note(
        enrollment.lead_id,
        TOUCHED,
        f"Nurture “{enrollment.sequence.name}”, touch {number}: {what}",
        {
            "event": "touch",
            "sequence": enrollment.sequence.slug,
            "kind": touch.kind,
            "sent": sent.pk,
            "skipped": sent.skipped,
        },
        None,
        now,
    )


def _advance(
    enrollment: Enrollment,
    touch: Touch,
    touches: dict[int, list[Touch]],
    done: dict[int, set[int]],
    settings: dict[int, NurtureSettings],
    now: datetime,
) -> None:
    """The enrollment's next touch and when it is due: counted from this touch's due day."""
    program = enrollment.sequence.program
    cal = program_calendar(program, settings.get(program.pk))
    previous = enrollment.next_touch_at or now
    pending = [t for t in touches[enrollment.sequence_id] if t.pk not in done[enrollment.pk]]
    enrollment.step = len(done[enrollment.pk])
    wait = pending[0].wait_days if pending else END_AFTER_DAYS
    enrollment.next_touch_at = touch_due(previous, wait, cal)


def _end(ended: list[Enrollment], now: datetime) -> None:
    """Sequences that ran out: the lead goes to the dead file, or on to the long-term
    sequence."""
    if not ended:
        return
    by_sequence: dict[int, list[Enrollment]] = defaultdict(list)
    for enrollment in ended:
        by_sequence[enrollment.sequence_id].append(enrollment)
    _leave([e.lead_id for e in ended], LeaveReason.ENDED, None, now)
    dead: list[Lead] = []
    for group in by_sequence.values():
        sequence = group[0].sequence
        long_term = _long_term(sequence)
        if long_term is not None:
            leads = list(
                Lead.objects.select_for_update(of=("self",))
                .select_related("program", "program__client")
                .filter(pk__in=[e.lead_id for e in group])
                .order_by("id")
            )
            _enter(leads, long_term, None, now, f"after “{sequence.name}”")
        else:
            dead.extend(e.lead for e in group)
    if dead:
        locked = list(
            Lead.objects.select_for_update(of=("self",))
            .filter(pk__in=[lead.pk for lead in dead], status=LeadStatus.NURTURING)
            .order_by("id")
        )
        leads_transition(
            steps=[
                LeadStep(lead=lead, action=Action.DEAD_FILE, reason="nurture sequence ended")
                for lead in locked
            ],
            actor=None,
            now=now,
        )


def _long_term(sequence: Sequence) -> Sequence | None:
    if sequence.on_end != OnEnd.LONG_TERM or sequence.long_term_sequence_id is None:
        return None
    return (
        Sequence.objects.select_related("program", "program__client")
        .filter(pk=sequence.long_term_sequence_id)
        .first()
    )

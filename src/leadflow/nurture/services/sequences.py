"""Building and editing sequences (issue 14, "Sequences per program").

Edits of a sequence in use apply only to touches not yet done: every touch done for a lead is
kept with a copy of what went out (``TouchSent``), and an enrollment remembers only the index
of its next touch, so a lead continues with the sequence as it now is (docs/DECISIONS.md).
"""

from datetime import datetime

from django.db import IntegrityError, transaction

from leadflow.core.calendar import working_calendar
from leadflow.core.errors import CalendarError, DomainRefused, InputError
from leadflow.nurture.models import NurtureSettings, OnEnd, Sequence, Touch, TouchKind
from leadflow.nurture.services.email import template_check
from leadflow.programs.models import Program


def _check_long_term(sequence: Sequence, on_end: str, long_term: Sequence | None) -> None:
    if on_end == OnEnd.LONG_TERM and long_term is None:
        raise InputError("long_term_sequence", "Choose the long-term sequence leads go on to.")
    if long_term is not None:
        if long_term.program_id != sequence.program_id:
            raise InputError(
                "long_term_sequence", "The long-term sequence must be of the same program."
            )
        if sequence.pk is not None and long_term.pk == sequence.pk:
            raise InputError("long_term_sequence", "A sequence cannot continue with itself.")


def _save(sequence: Sequence) -> Sequence:
    try:
        with transaction.atomic():
            if sequence.is_default:
                Sequence.objects.filter(program_id=sequence.program_id, is_default=True).exclude(
                    pk=sequence.pk
                ).update(is_default=False)
            sequence.save()
    except IntegrityError:
        raise InputError(
            "slug", "The program already has a sequence with this short name."
        ) from None
    return sequence


def sequence_create(
    *,
    program: Program,
    name: str,
    slug: str,
    is_default: bool = False,
    on_end: str = OnEnd.DEAD_FILE,
    long_term_sequence: Sequence | None = None,
    now: datetime,
) -> Sequence:
    """A new, empty sequence of the program; the default one replaces the program's last."""
    if not name.strip():
        raise InputError("name", "Give the sequence a name.")
    if not slug.strip():
        raise InputError("slug", "Give the sequence a short name.")
    if Sequence.objects.filter(program=program, slug=slug).exists():
        raise InputError("slug", "The program already has a sequence with this short name.")
    sequence = Sequence(
        program=program,
        name=name.strip(),
        slug=slug.strip(),
        is_default=is_default,
        on_end=OnEnd(on_end),
        long_term_sequence=long_term_sequence if on_end == OnEnd.LONG_TERM else None,
        created_at=now,
        updated_at=now,
    )
    _check_long_term(sequence, on_end, long_term_sequence)
    return _save(sequence)


def sequence_update(
    *,
    sequence: Sequence,
    name: str,
    is_default: bool,
    on_end: str,
    long_term_sequence: Sequence | None,
    now: datetime,
) -> Sequence:
    if not name.strip():
        raise InputError("name", "Give the sequence a name.")
    _check_long_term(sequence, on_end, long_term_sequence)
    sequence.name = name.strip()
    sequence.is_default = is_default
    sequence.on_end = OnEnd(on_end)
    sequence.long_term_sequence = long_term_sequence if on_end == OnEnd.LONG_TERM else None
    sequence.updated_at = now
    return _save(sequence)


def sequence_delete(*, sequence: Sequence) -> None:
    """Delete a sequence no lead was ever in (its history would lose its touches)."""
    if sequence.enrollments.exists():
        raise DomainRefused(
            "Leads have been in this sequence; it cannot be deleted. Stop using it instead "
            "(no longer the default)."
        )
    with transaction.atomic():
        Sequence.objects.filter(long_term_sequence=sequence).update(
            long_term_sequence=None, on_end=OnEnd.DEAD_FILE
        )
        sequence.delete()


def _check_touch(kind: str, subject: str, body_text: str, wait_days: int) -> None:
    if kind not in TouchKind.values:
        raise InputError("kind", "Choose an e-mail, a direct-mail touch or a call.")
    if wait_days < 0:
        raise InputError("wait_days", "The wait is a number of working days, 0 or more.")
    if kind == TouchKind.EMAIL:
        if not subject.strip():
            raise InputError("subject", "An e-mail needs a subject.")
        if not body_text.strip():
            raise InputError("body_text", "An e-mail needs a text.")
    for name, text in (("subject", subject), ("body_text", body_text)):
        problem = template_check(text)
        if problem:
            raise InputError(name, problem)


def _touched(sequence: Sequence, now: datetime) -> None:
    Sequence.objects.filter(pk=sequence.pk).update(updated_at=now)


@transaction.atomic
def touch_add(
    *,
    sequence: Sequence,
    kind: str,
    wait_days: int,
    subject: str = "",
    body_text: str = "",
    call_script: str = "",
    now: datetime,
) -> Touch:
    """A touch at the end of the sequence."""
    _check_touch(kind, subject, body_text, wait_days)
    last = sequence.touches.order_by("-position").values_list("position", flat=True).first()
    touch = Touch.objects.create(
        sequence=sequence,
        position=0 if last is None else last + 1,
        kind=kind,
        wait_days=wait_days,
        subject=subject.strip(),
        body_text=body_text,
        call_script=call_script,
    )
    _touched(sequence, now)
    return touch


@transaction.atomic
def touch_update(
    *,
    touch: Touch,
    kind: str,
    wait_days: int,
    subject: str,
    body_text: str,
    call_script: str,
    now: datetime,
) -> Touch:
    """Change a touch; leads it was already done for keep what they received."""
    _check_touch(kind, subject, body_text, wait_days)
    touch.kind = kind
    touch.wait_days = wait_days
    touch.subject = subject.strip()
    touch.body_text = body_text
    touch.call_script = call_script
    touch.save()
    _touched(touch.sequence, now)
    return touch


@transaction.atomic
def touch_move(*, touch: Touch, offset: int, now: datetime) -> None:
    """Move a touch up (-1) or down (+1) the order; positions become 0 … n-1."""
    touches = list(
        Touch.objects.select_for_update()
        .filter(sequence_id=touch.sequence_id)
        .order_by("position", "id")
    )
    index = next(i for i, item in enumerate(touches) if item.pk == touch.pk)
    target = max(0, min(len(touches) - 1, index + offset))
    touches.insert(target, touches.pop(index))
    for position, item in enumerate(touches):
        item.position = position
    Touch.objects.bulk_update(touches, ["position"])
    _touched(touch.sequence, now)


@transaction.atomic
def touch_delete(*, touch: Touch, now: datetime) -> None:
    """Remove a touch; the copies of what it sent stay in the leads' records."""
    sequence = touch.sequence
    touch.delete()
    remaining = list(sequence.touches.order_by("position", "id"))
    for position, item in enumerate(remaining):
        item.position = position
    Touch.objects.bulk_update(remaining, ["position"])
    _touched(sequence, now)


def nurture_settings_save(
    *, program: Program, per_minute: int, subdivision: str
) -> NurtureSettings:
    """A program's nurture settings: the e-mails it may send per minute, and the state or
    province whose holidays its waits skip (checked against the client's country)."""
    if per_minute < 1:
        raise InputError("per_minute", "Allow at least one e-mail a minute.")
    subdivision = subdivision.strip().upper()
    if subdivision:
        try:
            working_calendar(
                country=program.client.country or program.default_region,
                subdivision=subdivision,
                timezone=program.client.timezone,
            )
        except CalendarError as exc:
            raise InputError("subdivision", str(exc)) from None
    settings, _ = NurtureSettings.objects.update_or_create(
        program=program, defaults={"per_minute": per_minute, "subdivision": subdivision}
    )
    return settings

"""Writes of QA review: approving a lead, pushing it back to its qualifier with a reason,
approving every lead of a batch that passes the checks, and the call recordings (uploading
one, and every listen). Each write checks who may make it, goes through the core lifecycle,
and leaves its LeadEvent in the same transaction.

DESIGN.md, "Who uses it": the QA reviewer "reviews qualified leads in batches: approves, or
pushes back with a reason; ... may hear call recordings". Nobody reviews a lead they submitted
or own (``core.review.review_conflict``).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from leadflow.accounts.models import User
from leadflow.core.errors import DomainError, DomainRefused
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.core.review import review_conflict
from leadflow.leads.models import CallLog, EventKind, Lead
from leadflow.leads.selectors import lead_scope
from leadflow.leads.services import event_record, lead_transition, leads_move
from leadflow.programs.models import Program
from leadflow.review.audio import HEAD_BYTES, audio_format
from leadflow.review.links import recording_token
from leadflow.review.models import CallRecording
from leadflow.review.selectors import (
    may_review,
    may_upload_recording,
    push_back_reasons,
    review_candidates,
)

#: A push-back note long enough to say what to fix, short enough to read on the queue.
NOTE_MAX_LENGTH = 1000
#: How many leads one "approve all that pass" may approve: one bounded transaction; the
#: confirmation says when more wait.
BATCH_APPROVE_LIMIT = 1000
#: Recordings up to 50 MB: about an hour of a phone-quality MP3.
RECORDING_MAX_BYTES = 50 * 1024 * 1024
BATCH_REASON = "approved with the batch: passed every check"


class ReviewRefused(DomainRefused):
    """A review decision this user may not make, or one missing what it needs."""


class RecordingRejected(DomainError):
    """An upload that is not accepted as a call recording; the message says why."""


def _check_reviewer(user: User) -> None:
    if not may_review(user):
        raise ReviewRefused("only QA reviewers and admins review leads")


def _locked(lead: Lead) -> Lead:
    return Lead.objects.select_related("program").select_for_update(of=("self",)).get(pk=lead.pk)


def _check_conflict(reviewer: User, lead: Lead) -> None:
    conflict = review_conflict(
        reviewer_id=reviewer.pk, owner_id=lead.owner_id, submitted_by_id=lead.submitted_by_id
    )
    if conflict is not None:
        raise ReviewRefused(conflict)


@transaction.atomic
def lead_approve(*, lead: Lead, reviewer: User, now: datetime) -> Lead:
    """Approve one lead in review; the hand-off starts once the approval commits (the leads
    services announce ``leads.approved``)."""
    _check_reviewer(reviewer)
    lead = _locked(lead)
    _check_conflict(reviewer, lead)
    return lead_transition(lead=lead, action=Action.APPROVE, actor=reviewer, now=now)


@transaction.atomic
def lead_push_back(*, lead: Lead, reviewer: User, reason: str, note: str, now: datetime) -> Lead:
    """Send a lead in review back to qualification with one of the program's push-back
    reasons and a note saying what to fix. The lead is flagged (``pushed_back_at``,
    ``push_back_reason``) and waits first in its qualifier's queue until submitted again."""
    _check_reviewer(reviewer)
    lead = _locked(lead)
    _check_conflict(reviewer, lead)
    reason, note = reason.strip(), note.strip()
    allowed = push_back_reasons(lead.program)
    if reason not in allowed:
        raise ReviewRefused(
            f"“{reason}” is not a push-back reason of this program "
            f"(choose one of: {'; '.join(allowed)})"
        )
    if not note:
        raise ReviewRefused("a push-back needs a note saying what the qualifier should fix")
    if len(note) > NOTE_MAX_LENGTH:
        raise ReviewRefused(f"the note is {len(note)} characters; at most {NOTE_MAX_LENGTH}")
    return lead_transition(
        lead=lead,
        action=Action.PUSH_BACK,
        actor=reviewer,
        now=now,
        reason=f"{reason} — {note}",
        details={"push_back_reason": reason},
        fields={"pushed_back_at": now, "push_back_reason": reason},
    )


@dataclass(frozen=True)
class BatchApproval:
    """The leads a batch approval approved, and those it left, with why."""

    approved: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        text = f"{len(self.approved)} lead{'' if len(self.approved) == 1 else 's'} approved"
        if self.skipped:
            text += f"; {len(self.skipped)} left for one-by-one review"
        return text + "."


@transaction.atomic
def leads_approve_passing(
    *, program: Program, reviewer: User, lead_ids: Sequence[int], now: datetime
) -> BatchApproval:
    """Approve, in one transaction, those of ``lead_ids`` (what the reviewer confirmed) that
    still pass every check and that the reviewer may decide; the others stay in review.

    The rows are locked, checked again (a lead may have changed since the confirmation page),
    moved with one UPDATE, and each approved lead gets its ``status_changed`` event.
    """
    _check_reviewer(reviewer)
    if len(lead_ids) > BATCH_APPROVE_LIMIT:
        raise ReviewRefused(f"at most {BATCH_APPROVE_LIMIT} leads are approved at once")
    wanted = list(dict.fromkeys(lead_ids))
    locked = {
        lead.pk: lead
        for lead in lead_scope(user=reviewer)
        .filter(program=program, pk__in=wanted)
        .select_for_update(of=("self",))
        .order_by("id")
    }
    candidates = {
        candidate.lead_id: candidate
        for candidate in review_candidates(user=reviewer, program=program, lead_ids=wanted)
    }
    result = BatchApproval()
    approved: list[Lead] = []
    for lead_id in wanted:
        lead = locked.get(lead_id)
        candidate = candidates.get(lead_id)
        if lead is None:
            result.skipped[lead_id] = "not in this program's batch"
        elif candidate is None:
            result.skipped[lead_id] = f"no longer in review ({LeadStatus(lead.status).label})"
        elif candidate.conflict is not None:
            result.skipped[lead_id] = candidate.conflict
        elif not candidate.check.passes:
            result.skipped[lead_id] = "; ".join(candidate.check.problems)
        else:
            approved.append(lead)
    if approved:
        ids = [lead.pk for lead in approved]
        leads_move(
            leads=approved, action=Action.APPROVE, actor=reviewer, now=now, reason=BATCH_REASON
        )
        result.approved.extend(ids)
    return result


# --- call recordings -------------------------------------------------------------------------


def _declared_type(upload: UploadedFile) -> str:
    return (upload.content_type or "").split(";")[0].strip().lower()


def _audio_checked(upload: UploadedFile) -> tuple[str, str, int]:
    """The content type and extension read from the file's content, and its size; or
    RecordingRejected with the reason."""
    size = upload.size or 0
    if size == 0:
        raise RecordingRejected("the file is empty")
    if size > RECORDING_MAX_BYTES:
        raise RecordingRejected(
            f"the file is {size / 1024 / 1024:.1f} MB; a recording may be at most "
            f"{RECORDING_MAX_BYTES // 1024 // 1024} MB"
        )
    declared = _declared_type(upload)
    if not declared.startswith("audio/"):
        raise RecordingRejected(
            f"only audio files are accepted, not {declared or 'a file of no stated type'}"
        )
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    found = audio_format(head)
    if found is None:
        raise RecordingRejected(
            "the file's content is not audio in a format LeadFlow knows "
            "(MP3, WAV, OGG, FLAC, M4A, WebM, AMR, AAC)"
        )
    return found.content_type, found.extension, size


def recording_upload(
    *, call: CallLog, upload: UploadedFile, uploader: User, now: datetime
) -> CallRecording:
    """Attach the recording of a call: audio only (checked on the content, not the name), at
    most ``RECORDING_MAX_BYTES``, one per call, uploaded by the qualifier who made the call or
    an admin. The lead's history records it. A failed save leaves no file behind."""
    if not may_upload_recording(uploader, call):
        raise RecordingRejected(
            "only the qualifier who made the call, or an admin, uploads its recording"
        )
    content_type, extension, size = _audio_checked(upload)
    original_name = (upload.name or "")[-200:]
    stored = ""
    recording = CallRecording(
        content_type=content_type,
        size=size,
        original_name=original_name,
        uploaded_by=uploader,
        uploaded_at=now,
    )
    try:
        with transaction.atomic():
            call = CallLog.objects.select_for_update().select_related("lead").get(pk=call.pk)
            if CallRecording.objects.filter(call=call).exists():
                raise RecordingRejected("this call already has a recording")
            recording.call = call
            recording.file.save(f"recording{extension}", upload, save=False)
            stored = recording.file.name or ""
            recording.save()
            event_record(
                lead=call.lead,
                kind=EventKind.UPDATED,
                action="recording_uploaded",
                actor=uploader,
                now=now,
                after={
                    "recording": {
                        "call": call.pk,
                        "file": original_name,
                        "type": content_type,
                        "size": size,
                    }
                },
            )
    except IntegrityError:
        _discard(recording, stored)
        raise RecordingRejected("this call already has a recording") from None
    except BaseException:
        _discard(recording, stored)
        raise
    return recording


def _discard(recording: CallRecording, stored: str) -> None:
    """Remove the file of a recording whose row was not saved (nothing half-written)."""
    if stored:
        recording.file.storage.delete(stored)


@transaction.atomic
def recording_play(*, recording: CallRecording, listener: User, now: datetime) -> str:
    """Record a listen (``recording_played``) and return the token of a short-lived link to
    the audio, bound to the listener (``review.links``)."""
    if not may_review(listener):
        raise ReviewRefused("only QA reviewers and admins hear call recordings")
    event_record(
        lead=recording.call.lead,
        kind=EventKind.RECORDING_PLAYED,
        actor=listener,
        now=now,
        after={"call": recording.call_id, "recording": recording.pk},
    )
    return recording_token(recording_id=recording.pk, user_id=listener.pk)

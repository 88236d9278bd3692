"""Reads of QA review: the programs with leads waiting, a program's review batch with each
lead's checks, and the call recordings a user may hear. Everything starts from what the caller
may see (``program_list``, ``lead_scope``); out of scope is "does not exist" (a 404).
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.config.ratings import RatingNote
from leadflow.core.criteria import QualifyingCriteria, QuestionType
from leadflow.core.enums import Rating
from leadflow.core.lifecycle import LeadStatus
from leadflow.core.review import ReviewCheck, ReviewFacts, review_check, review_conflict
from leadflow.leads.models import CallLog, CallOutcome, Lead
from leadflow.leads.selectors import lead_scope
from leadflow.leads.selectors.ratings import rating_notes
from leadflow.leads.workspace.panels import Panel, panel_from_lead
from leadflow.leads.workspace.text import shown
from leadflow.programs.models import Program, default_push_back_reasons
from leadflow.programs.selectors import (
    PublishedCriteria,
    program_list,
    program_published_criteria,
)
from leadflow.review.models import CallRecording

#: How many leads of a batch one page shows, oldest first; the checks cover the whole batch.
BATCH_SHOWN = 50
#: How many leads the "approve all that pass" confirmation names (it always gives the count).
CONFIRM_SHOWN = 20


def may_review(user: User) -> bool:
    return user_can(user, Capability.REVIEW_DECIDE)


def may_upload_recording(user: User, call: CallLog) -> bool:
    """Admins upload for any call they see; a qualifier for the calls they made."""
    if user_can(user, Capability.ADMIN):
        return True
    return user_can(user, Capability.RECORDINGS_UPLOAD) and call.caller_id == user.pk


def push_back_reasons(program: Program) -> list[str]:
    """The program's push-back reasons; a program that cleared its list gets the defaults."""
    return list(program.push_back_reasons) or default_push_back_reasons()


def _waiting_since() -> Coalesce:
    """When a lead started waiting for review: its submission, or its last change for leads
    that reached review another way."""
    return Coalesce("submitted_at", "updated_at", output_field=DateTimeField())


# --- the programs ----------------------------------------------------------------------------


def review_programs(*, user: User) -> QuerySet[Program]:
    """The user's programs with ``waiting`` (leads in review) and ``oldest`` (when the longest
    waiting lead was submitted), those with the oldest waiting lead first, in one query."""
    in_review = Q(leads__status=LeadStatus.IN_REVIEW)
    return (
        program_list(user=user)
        .annotate(
            waiting=Count("leads", filter=in_review),
            oldest=Min(
                Coalesce("leads__submitted_at", "leads__updated_at", output_field=DateTimeField()),
                filter=in_review,
            ),
        )
        .order_by(F("oldest").asc(nulls_last=True), "client__name", "name")
    )


def review_program_get(*, user: User, slug: str) -> Program:
    """One program of the user's scope (Program.DoesNotExist otherwise)."""
    return program_list(user=user).get(slug=slug)


# --- the checks --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """One lead in review with its checks and whether this reviewer may decide it at all."""

    lead_id: int
    check: ReviewCheck
    conflict: str | None

    @property
    def batch_approvable(self) -> bool:
        return self.check.passes and self.conflict is None


def review_candidates(
    *,
    user: User,
    program: Program,
    lead_ids: Collection[int] | None = None,
    published: PublishedCriteria | None = None,
) -> list[Candidate]:
    """Every lead of the program's review batch (or of ``lead_ids`` among them), longest
    waiting first, with its checks (``core.review``) for ``user`` as the reviewer.

    Two queries whatever the batch's size: the program's criteria, and the leads' facts as
    plain values (the connected call is an EXISTS, not a join).
    """
    published = published or program_published_criteria(program=program)
    leads = lead_scope(user=user).filter(program=program, status=LeadStatus.IN_REVIEW)
    if lead_ids is not None:
        leads = leads.filter(pk__in=list(lead_ids))
    connected = CallLog.objects.filter(lead=OuterRef("pk"), outcome=CallOutcome.CONNECTED)
    rows = (
        leads.annotate(connected_call=Exists(connected), waiting_since=_waiting_since())
        .order_by("waiting_since", "id")
        .values(
            "id",
            "rating",
            "disqualification",
            "answers",
            "email",
            "phone",
            "submitted_by_id",
            "submitted_at",
            "owner_id",
            "connected_call",
            "criteria_version__number",
        )
    )
    return [
        Candidate(
            lead_id=row["id"],
            check=review_check(
                _facts(row), criteria=published.criteria, current_version=published.number
            ),
            conflict=review_conflict(
                reviewer_id=user.pk,
                owner_id=row["owner_id"],
                submitted_by_id=row["submitted_by_id"],
            ),
        )
        for row in rows
    ]


def _facts(row: Mapping[str, object]) -> ReviewFacts:
    rating, answers, version = row["rating"], row["answers"], row["criteria_version__number"]
    return ReviewFacts(
        rating=Rating(rating) if isinstance(rating, str) and rating else None,
        disqualified=bool(row["disqualification"]),
        answers=answers if isinstance(answers, dict) else {},
        email=str(row["email"] or ""),
        phone=str(row["phone"] or ""),
        submitted=row["submitted_by_id"] is not None and row["submitted_at"] is not None,
        connected_call=bool(row["connected_call"]),
        criteria_version=version if isinstance(version, int) else None,
    )


# --- the batch page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRow:
    question: str
    answer: str


@dataclass
class ReviewItem:
    """One lead as the batch shows it: everything a reviewer needs to decide it."""

    lead: Lead
    answers: list[AnswerRow]
    panel: Panel
    calls: list[CallLog]
    candidate: Candidate
    #: What the apps above show beside the rating (``config/ratings.py``: "34 %").
    rating_note: RatingNote | None = None

    @property
    def check(self) -> ReviewCheck:
        return self.candidate.check

    @property
    def conflict(self) -> str | None:
        return self.candidate.conflict


@dataclass
class ReviewDay:
    day: date
    items: list[ReviewItem]


@dataclass
class ReviewBatch:
    program: Program
    reasons: list[str]
    days: list[ReviewDay]
    waiting: int
    passing: int
    own: int

    @property
    def shown(self) -> int:
        return sum(len(day.items) for day in self.days)


def answer_rows(criteria: QualifyingCriteria, answers: Mapping[str, object]) -> list[AnswerRow]:
    """The call script's answers as a reviewer reads them: every question in order (choices by
    their labels, unanswered as "—"), then answers to questions the script no longer asks."""
    rows = []
    for question in criteria.questions:
        value = answers.get(question.key)
        text = shown(value) if value not in (None, "") else "—"
        if question.type is QuestionType.CHOICE:
            labels = {choice.value: choice.label for choice in question.choices}
            text = labels.get(str(value), text) if value is not None else text
        rows.append(AnswerRow(question.label, text))
    asked = {question.key for question in criteria.questions}
    rows.extend(AnswerRow(key, shown(value)) for key, value in answers.items() if key not in asked)
    return rows


def review_batch(*, user: User, program: Program, shown_limit: int = BATCH_SHOWN) -> ReviewBatch:
    """The program's review batch for ``user``: counts over every lead waiting, and the
    ``shown_limit`` longest waiting leads in full, grouped by the day they were submitted.

    A fixed number of queries: the checks (two), the leads shown, and their calls with callers
    and recordings.
    """
    published = program_published_criteria(program=program)
    criteria = published.criteria
    candidates = review_candidates(user=user, program=program, published=published)
    shown_ids = [candidate.lead_id for candidate in candidates[:shown_limit]]
    by_id = {candidate.lead_id: candidate for candidate in candidates}
    leads = (
        lead_scope(user=user)
        .filter(pk__in=shown_ids)
        .select_related("submitted_by", "owner", "criteria_version")
        .prefetch_related(
            Prefetch(
                "calls",
                queryset=CallLog.objects.select_related("caller", "recording").order_by("at", "id"),
            )
        )
        .annotate(waiting_since=_waiting_since())
        .order_by("waiting_since", "id")
    )
    days: list[ReviewDay] = []
    shown = list(leads)
    notes = rating_notes(page="review_batch", lead_ids=[lead.pk for lead in shown])
    for lead in shown:
        day = timezone.localdate(lead.waiting_since)
        if not days or days[-1].day != day:
            days.append(ReviewDay(day, []))
        days[-1].items.append(
            ReviewItem(
                lead=lead,
                answers=answer_rows(criteria, lead.answers),
                panel=panel_from_lead(lead),
                calls=list(lead.calls.all()),
                candidate=by_id[lead.pk],
                rating_note=notes.get(lead.pk),
            )
        )
    return ReviewBatch(
        program=program,
        reasons=push_back_reasons(program),
        days=days,
        waiting=len(candidates),
        passing=sum(candidate.batch_approvable for candidate in candidates),
        own=sum(candidate.conflict is not None for candidate in candidates),
    )


def review_item(*, user: User, lead: Lead) -> ReviewItem:
    """One lead of a batch, as its card shows it (after a decision failed, to show it again)."""
    published = program_published_criteria(program=lead.program)
    (candidate,) = review_candidates(
        user=user, program=lead.program, lead_ids=[lead.pk], published=published
    )
    return ReviewItem(
        lead=lead,
        answers=answer_rows(published.criteria, lead.answers),
        panel=panel_from_lead(lead),
        calls=list(lead.calls.select_related("caller", "recording").order_by("at", "id")),
        candidate=candidate,
        rating_note=rating_notes(page="review_batch", lead_ids=[lead.pk]).get(lead.pk),
    )


def review_lead_get(*, user: User, program: Program, lead_id: int) -> Lead:
    """A lead of the program in the user's scope, whatever its status (Lead.DoesNotExist)."""
    return (
        lead_scope(user=user)
        .select_related("submitted_by", "owner", "criteria_version")
        .get(program=program, pk=lead_id)
    )


@dataclass(frozen=True)
class PassingPreview:
    """What "approve all that pass" would approve: every id, and the first few leads named."""

    lead_ids: list[int]
    shown: list[Lead]

    @property
    def count(self) -> int:
        return len(self.lead_ids)


def review_passing(
    *, user: User, program: Program, limit: int, shown_limit: int = CONFIRM_SHOWN
) -> PassingPreview:
    """The leads of the batch that pass every check and that ``user`` may decide, longest
    waiting first, at most ``limit`` of them."""
    ids = [
        candidate.lead_id
        for candidate in review_candidates(user=user, program=program)
        if candidate.batch_approvable
    ][:limit]
    order = {lead_id: index for index, lead_id in enumerate(ids)}
    named = sorted(
        lead_scope(user=user).filter(pk__in=ids[:shown_limit]), key=lambda lead: order[lead.pk]
    )
    return PassingPreview(lead_ids=ids, shown=named)


# --- recordings --------------------------------------------------------------------------------


def recording_for_listening(*, user: User, recording_id: int) -> CallRecording:
    """A recording the user may hear: QA reviewers and admins, of a lead in their scope.
    For everyone else it does not exist (CallRecording.DoesNotExist), clients and partners
    included."""
    if not user_can(user, Capability.RECORDINGS_LISTEN):
        raise CallRecording.DoesNotExist("no such recording")
    return (
        CallRecording.objects.select_related("call", "call__lead")
        .filter(call__lead__in=lead_scope(user=user).values("pk"))
        .get(pk=recording_id)
    )


def call_for_recording(*, user: User, call_id: int) -> CallLog:
    """A call whose recording page the user may open: uploaders (qualifiers, admins) and
    reviewers, on a lead in their scope; CallLog.DoesNotExist for everyone else."""
    if not user_can(user, Capability.RECORDINGS_UPLOAD) and not user_can(
        user, Capability.RECORDINGS_LISTEN
    ):
        raise CallLog.DoesNotExist("no such call")
    return (
        CallLog.objects.select_related("lead", "lead__program", "caller")
        .filter(lead__in=lead_scope(user=user).values("pk"))
        .get(pk=call_id)
    )

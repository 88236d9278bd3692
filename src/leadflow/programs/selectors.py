"""Reads for programs and their criteria, scoped to the caller."""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.functions import Cast

from leadflow.accounts.models import User
from leadflow.core.criteria import (
    QualifyingCriteria,
    Question,
    fact_met,
    format_number,
    months,
    point_rule_condition,
    points_text,
    sentence,
)
from leadflow.core.criteria.words import FACT_NAMES, half_life_phrase
from leadflow.core.enums import BantFact, DisqualificationReason
from leadflow.core.lifecycle import OPEN_STATUSES
from leadflow.core.preview import Preview, PreviewLead, criteria_preview
from leadflow.programs.models import CriteriaStatus, CriteriaVersion, Program

#: How many of a program's most recent leads a preview qualifies: enough to show the effect of a
#: change, few enough to answer a page request in about a second.
PREVIEW_LIMIT = 20_000


@dataclass(frozen=True)
class PublishedCriteria:
    version: CriteriaVersion
    criteria: QualifyingCriteria

    @property
    def number(self) -> int:
        return self.version.number


def program_list(*, user: User) -> QuerySet[Program]:
    """The programs a user may see: all for admins, else those of the user's scopes."""
    programs = Program.objects.select_related("client")
    if user.sees_everything:
        return programs
    scopes = user.scopes.all()
    return programs.filter(
        Q(client_id__in=scopes.filter(client__isnull=False).values("client_id"))
        | Q(pk__in=scopes.filter(program__isnull=False).values("program_id"))
    )


def program_published_criteria(*, program: Program) -> PublishedCriteria:
    """The program's current criteria: its highest published version."""
    version = (
        CriteriaVersion.objects.filter(program=program, status=CriteriaStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise Program.DoesNotExist(f"program {program.slug!r} has no published criteria")
    return PublishedCriteria(version, criteria_from_version(version))


def criteria_from_version(version: CriteriaVersion) -> QualifyingCriteria:
    return QualifyingCriteria.model_validate(version.spec)


def program_get(*, user: User, slug: str) -> Program:
    """One program the user may see; another scope's program does not exist for them."""
    return program_list(user=user).get(slug=slug)


def program_overview(*, user: User) -> QuerySet[Program]:
    """The user's programs with their current version number (``current_version``), lead
    counts (``lead_count``, ``open_lead_count``) and whether a draft waits (``draft_count``),
    in one query."""
    current = (
        CriteriaVersion.objects.filter(program=OuterRef("pk"), status=CriteriaStatus.PUBLISHED)
        .order_by("-number")
        .values("number")[:1]
    )
    drafts = (
        CriteriaVersion.objects.filter(program=OuterRef("pk"), status=CriteriaStatus.DRAFT)
        .values("program")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return program_list(user=user).annotate(
        current_version=Subquery(current, output_field=IntegerField()),
        draft_count=Subquery(drafts, output_field=IntegerField()),
        lead_count=Count("leads"),
        open_lead_count=Count("leads", filter=Q(leads__status__in=OPEN_STATUSES)),
    )


def criteria_versions(*, program: Program) -> QuerySet[CriteriaVersion]:
    """The program's published versions, newest first, with who published them."""
    return (
        CriteriaVersion.objects.filter(program=program, status=CriteriaStatus.PUBLISHED)
        .select_related("published_by", "created_by")
        .order_by("-number")
    )


def criteria_draft(*, program: Program) -> CriteriaVersion | None:
    """The program's draft, if a manager has saved one."""
    return (
        CriteriaVersion.objects.filter(program=program, status=CriteriaStatus.DRAFT)
        .select_related("created_by")
        .first()
    )


def criteria_version_get(*, program: Program, number: int) -> CriteriaVersion:
    return criteria_versions(program=program).get(number=number)


@dataclass(frozen=True)
class ProgramPreview:
    """A draft's preview on the program's leads, with what it was compared against."""

    preview: Preview
    published_number: int
    limit: int

    @property
    def capped(self) -> bool:
        return self.preview.total >= self.limit


def criteria_preview_for_program(
    *, program: Program, draft: QualifyingCriteria, limit: int = PREVIEW_LIMIT
) -> ProgramPreview:
    """How ``draft`` would move the program's ``limit`` most recent leads between ratings and
    change their scores (DESIGN.md: a change can be previewed on past leads before it is
    published). The leads are read in one query of plain values, through the program's reverse
    relation (programs sits below leads and does not import it); no model instance is built.

    The answers (and the profile, only when a point rule of either criteria reads it) are read
    as JSON text and decoded once per distinct text; leads with the same inputs share a key, so
    the core qualifies each combination once (issue 17: the editor under 500 ms on 20,000
    leads)."""
    published = program_published_criteria(program=program)
    reads_profile = any(
        rule.source == "profile" for rule in (*published.criteria.point_rules, *draft.point_rules)
    )
    return ProgramPreview(
        preview=criteria_preview(
            published.criteria,
            draft,
            _preview_leads(program=program, limit=limit, reads_profile=reads_profile),
        ),
        published_number=published.number,
        limit=limit,
    )


def _preview_leads(*, program: Program, limit: int, reads_profile: bool) -> Iterator[PreviewLead]:
    rows = (
        program.leads.order_by("-created_at", "-id")
        .annotate(
            answers_text=Cast("answers", TextField()),
            profile_text=Cast("profile", TextField()),
        )
        .values_list(
            "id", "answers_text", "profile_text" if reads_profile else "id", "disqualification"
        )
    )[:limit]
    decoded: dict[str | None, Mapping[str, object]] = {}

    def mapping(text: str | None) -> Mapping[str, object]:
        if text not in decoded:
            value = json.loads(text) if text else None
            decoded[text] = value if isinstance(value, dict) else {}
        return decoded[text]

    for lead_id, answers, profile, disqualification in rows.iterator(chunk_size=2000):
        profile_text = profile if reads_profile else None
        yield PreviewLead(
            id=lead_id,
            answers=mapping(answers),
            profile=mapping(profile_text),
            disqualified=DisqualificationReason(disqualification) if disqualification else None,
            key=(answers, profile_text, disqualification),
        )


@dataclass(frozen=True)
class CriteriaDiff:
    summary: tuple[str, ...]


def criteria_diff(*, older: QualifyingCriteria, newer: QualifyingCriteria) -> CriteriaDiff:
    """What changed between two criteria, one plain sentence per change ("Budget approved:
    25 → 30 points"), for a manager reviewing versions: labels, never keys or the YAML."""
    return CriteriaDiff(tuple(_summary(older, newer)))


def _question_changes(old: Question, new: Question) -> str:
    parts = [
        name
        for name, changed in (
            ("wording", old.label != new.label),
            ("public wording", old.public_question != new.public_question),
            ("help text", old.help_text != new.help_text),
            ("type", old.type != new.type),
            ("choices", old.choices != new.choices),
            ("required", old.required != new.required),
            ("BANT fact", old.bant != new.bant),
            ("limits", (old.min_value, old.max_value) != (new.min_value, new.max_value)),
        )
        if changed
    ]
    return join_and(parts) or "details"


def join_and(items: list[str]) -> str:
    return f"{', '.join(items[:-1])} and {items[-1]}" if len(items) > 1 else "".join(items)


def _summary(older: QualifyingCriteria, newer: QualifyingCriteria) -> list[str]:
    said: list[str] = []
    old_questions = {question.key: question for question in older.questions}
    new_questions = {question.key: question for question in newer.questions}
    for key in [q.key for q in newer.questions if q.key not in old_questions]:
        said.append(f"Question “{new_questions[key].label}” added.")
    for key in [q.key for q in older.questions if q.key not in new_questions]:
        said.append(f"Question “{old_questions[key].label}” removed.")
    for key in [q.key for q in newer.questions if q.key in old_questions]:
        old, new = old_questions[key], new_questions[key]
        if old != new:
            said.append(f"Question “{new.label}”: {_question_changes(old, new)} changed.")
    if [q.key for q in older.questions if q.key in new_questions] != [
        q.key for q in newer.questions if q.key in old_questions
    ]:
        said.append("Questions reordered.")
    for fact in (BantFact.BUDGET, BantFact.AUTHORITY, BantFact.NEED):
        before, after = getattr(older, f"{fact}_met"), getattr(newer, f"{fact}_met")
        if before != after:
            said.append(
                f"{FACT_NAMES[fact]}: now met when {fact_met(newer, fact)} "
                f"(was when {fact_met(older, fact)})."
            )
    old_rules = {rule.rating: rule for rule in older.rating_ladder}
    new_rules = {rule.rating: rule for rule in newer.rating_ladder}
    for rating, rule in new_rules.items():
        if rating not in old_rules:
            said.append(f"Rating rule {rating.label} added: {rule.describe()}.")
        elif old_rules[rating] != rule:
            said.append(
                f"Rating rule {rating.label} changed: {old_rules[rating].describe()} "
                f"→ {rule.describe()}."
            )
    for rating in [r.rating for r in older.rating_ladder if r.rating not in new_rules]:
        said.append(f"Rating rule {rating.label} removed.")
    if [r.rating for r in older.rating_ladder if r.rating in new_rules] != [
        r.rating for r in newer.rating_ladder if r.rating in old_rules
    ]:
        said.append("Rating rules reordered.")
    old_points = {rule.label: rule for rule in older.point_rules}
    new_points = {rule.label: rule for rule in newer.point_rules}
    for label in [r.label for r in newer.point_rules if r.label not in old_points]:
        added = new_points[label]
        said.append(
            f"{sentence(label)}: new rule, {points_text(added.points)} "
            f"{point_rule_condition(added, newer)}."
        )
    for label in [r.label for r in older.point_rules if r.label not in new_points]:
        said.append(
            f"{sentence(label)}: rule removed (was {points_text(old_points[label].points)})."
        )
    for label in [r.label for r in newer.point_rules if r.label in old_points]:
        old_rule, new_rule = old_points[label], new_points[label]
        if old_rule == new_rule:
            continue
        if old_rule.points != new_rule.points:
            said.append(
                f"{sentence(label)}: {format_number(old_rule.points)} → "
                f"{points_text(new_rule.points)}."
            )
        before = point_rule_condition(old_rule, older)
        after = point_rule_condition(new_rule, newer)
        if old_rule.model_copy(update={"points": new_rule.points}) != new_rule:
            said.append(f"{sentence(label)}: now {after} (was {before}).")
    if older.horizon_months != newer.horizon_months:
        said.append(
            f"Horizon changed from {_months_or_none(older.horizon_months)} "
            f"to {_months_or_none(newer.horizon_months)}."
        )
    if older.engagement_half_life_days != newer.engagement_half_life_days:
        said.append(
            f"Engagement points now {half_life_phrase(newer.engagement_half_life_days)} "
            f"(before: {half_life_phrase(older.engagement_half_life_days)})."
        )
    if older.name != newer.name:
        said.append(f"Renamed from “{older.name}” to “{newer.name}”.")
    return said


def _months_or_none(value: float | None) -> str:
    return "no horizon" if value is None else months(value)

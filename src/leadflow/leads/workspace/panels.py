"""The qualification panel of the workspace: BANT, stage, rating, score and the explanation,
as the lead carries them or as a preview of answers not yet saved."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from leadflow.core.answers import answers_check
from leadflow.core.criteria import QualifyingCriteria, format_number
from leadflow.core.enums import DisqualificationReason, Rating
from leadflow.core.errors import CriteriaError
from leadflow.core.qualification import Qualification, parse_answers, qualify
from leadflow.leads.models import Lead
from leadflow.leads.workspace.text import label


@dataclass(frozen=True)
class Panel:
    """What the qualification panel shows: saved, or previewed from answers not yet saved."""

    bant: tuple[tuple[str, bool], ...] = ()
    stage: str = ""
    rating: str = ""  # the rating's label, "" for none (disqualified)
    rating_value: str = ""  # for the badge's style
    score: str = ""
    explanation: tuple[str, ...] = ()
    preview: bool = False
    errors: tuple[str, ...] = ()


BANT_LABELS = (
    ("budget", "Budget"),
    ("authority", "Authority"),
    ("need", "Need"),
    ("timeframe", "Time frame"),
)


def _rating_label(value: str | None) -> str:
    return Rating(value).label if value else ""


def panel_from_lead(lead: Lead) -> Panel:
    """The qualification the lead carries, as last computed by the lead services."""
    return Panel(
        bant=tuple((name, lead.bant[key]) for key, name in BANT_LABELS),
        stage=label(lead.stage),
        rating=_rating_label(lead.rating),
        rating_value=lead.rating or "",
        score=format_number(lead.score),
        explanation=tuple(lead.explanation),
    )


def panel_from_qualification(result: Qualification, *, preview: bool) -> Panel:
    flags = result.bant.as_dict()
    rating = result.rating.value if result.rating else None
    return Panel(
        bant=tuple((name, flags[key]) for key, name in BANT_LABELS),
        stage=label(result.stage.value),
        rating=_rating_label(rating),
        rating_value=rating or "",
        score=format_number(result.score),
        explanation=result.explanation,
        preview=preview,
    )


def preview_panel(
    criteria: QualifyingCriteria,
    *,
    saved: Mapping[str, object],
    raw: Mapping[str, object],
    profile: Mapping[str, object],
    disqualification: str,
    now: datetime,
) -> Panel:
    """The qualification the lead would get if ``raw`` were saved over ``saved`` answers,
    computed with the core exactly as ``lead_update_answers`` would, and nothing written."""
    _, errors = answers_check(criteria, raw)
    if errors:
        return Panel(
            preview=True,
            errors=tuple(f"{_question_label(criteria, k)}: {m}" for k, m in errors.items()),
        )
    try:
        answers = parse_answers(criteria, {**saved, **raw})
    except CriteriaError as exc:
        return Panel(preview=True, errors=(str(exc),))
    result = qualify(
        criteria,
        answers,
        profile=profile,
        disqualified=DisqualificationReason(disqualification) if disqualification else None,
        now=now,
    )
    return panel_from_qualification(result, preview=True)


def _question_label(criteria: QualifyingCriteria, key: str) -> str:
    question = criteria.question(key)
    return question.label if question is not None else key

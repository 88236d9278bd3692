"""What a qualification produces (DESIGN.md, "Qualification"): the BANT facts and flags, the
point awards and the ``Qualification`` itself, with the engagement event the score reads.

These frozen values are what the engine returns and the rest of LeadFlow stores, shows and
compares; they are kept apart from the engine so that reading a result never needs the plan.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime

from leadflow.core.criteria import format_number, signed_points
from leadflow.core.enums import Authority, Budget, DisqualificationReason, Need, Rating, Stage


@dataclass(frozen=True, slots=True)
class BantFacts:
    """What the answers say about budget, authority, need and time frame.

    An unanswered question is the fact's "none"; an unanswered time frame is unknown (None).
    """

    budget: Budget
    authority: Authority
    need: Need
    timeframe_months: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "budget": self.budget.value,
            "authority": self.authority.value,
            "need": self.need.value,
            "timeframe_months": self.timeframe_months,
        }


@dataclass(frozen=True, slots=True)
class BantFlags:
    """Which of the four criteria the facts meet; their count is the stage."""

    budget: bool
    authority: bool
    need: bool
    timeframe: bool

    @property
    def met_count(self) -> int:
        return self.budget + self.authority + self.need + self.timeframe

    def as_dict(self) -> dict[str, bool]:
        return {
            "budget": self.budget,
            "authority": self.authority,
            "need": self.need,
            "timeframe": self.timeframe,
        }


@dataclass(frozen=True, slots=True)
class EngagementEvent:
    """One response to nurture or marketing (a tracked click, a reply, a form fill) at a moment.

    The moment must be timezone-aware: engagement points decay with the event's age.
    """

    kind: str
    at: datetime

    def __post_init__(self) -> None:
        if self.at.utcoffset() is None:
            raise ValueError(f"engagement event {self.kind!r}: time must be timezone-aware")


@dataclass(frozen=True, slots=True)
class PointAward:
    """Points one rule added to the score, and why."""

    label: str
    points: float
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"label": self.label, "points": self.points, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Qualification:
    """The derived qualification of a lead, with the explanation of every part of it.

    ``fired_rule`` is the 1-based position of the rating rule that fired; it is None when the
    rating is the FYI fallback or the lead is disqualified (no rating).

    ``explanation`` is put together when it is first read, from interned parts: the sentences
    that follow from the answers, profile and disqualification (``fixed_lines``: the facts, the
    stage, the rating rule, the answer and profile awards) are made once per criteria and
    combination and shared by every lead with them; only the lines of the engagement awards
    (the last ``engaged`` awards of ``points``) and the score are written for the lead itself.
    A re-qualification of a million leads that only compares ratings builds no sentence.
    """

    facts: BantFacts
    bant: BantFlags
    stage: Stage
    rating: Rating | None
    fired_rule: int | None
    score: float
    points: tuple[PointAward, ...]
    disqualified: DisqualificationReason | None
    criteria_version: int | None
    fixed_lines: tuple[str, ...] = field(repr=False)
    engaged: int = field(default=0, repr=False)
    _explanation: tuple[str, ...] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def explanation(self) -> tuple[str, ...]:
        """The explanation in the words of the lead's history: the facts and the stage, the
        rating rule, each award, the score."""
        built = self._explanation
        if built is None:
            engaged = self.points[len(self.points) - self.engaged :] if self.engaged else ()
            built = (
                *self.fixed_lines,
                *[f"{signed_points(a.points)}: {a.label} ({a.reason})" for a in engaged],
                f"Score: {format_number(self.score)}",
            )
            _EXPLANATION(self, built)
        return built

    def as_dict(self) -> dict[str, object]:
        return {
            "facts": self.facts.as_dict(),
            "bant": self.bant.as_dict(),
            "stage": self.stage.value,
            "rating": None if self.rating is None else self.rating.value,
            "fired_rule": self.fired_rule,
            "score": self.score,
            "points": [award.as_dict() for award in self.points],
            "explanation": list(self.explanation),
            "disqualified": None if self.disqualified is None else self.disqualified.value,
            "criteria_version": self.criteria_version,
        }


def _setter(name: str) -> Callable[[Qualification, object], None]:
    return Qualification.__dict__[name].__set__


_FACTS, _BANT, _STAGE, _RATING, _FIRED_RULE, _SCORE, _POINTS = map(
    _setter, ("facts", "bant", "stage", "rating", "fired_rule", "score", "points")
)
_DISQUALIFIED, _CRITERIA_VERSION, _FIXED_LINES, _ENGAGED, _EXPLANATION = map(
    _setter, ("disqualified", "criteria_version", "fixed_lines", "engaged", "_explanation")
)
assert {f.name for f in fields(Qualification)} == set(Qualification.__slots__), (
    "made_qualification must set every field of Qualification"
)
_new = object.__new__


def made_qualification(
    facts: BantFacts,
    bant: BantFlags,
    stage: Stage,
    rating: Rating | None,
    fired_rule: int | None,
    score: float,
    points: tuple[PointAward, ...],
    disqualified: DisqualificationReason | None,
    criteria_version: int | None,
    fixed_lines: tuple[str, ...],
    engaged: int,
) -> Qualification:
    """The same ``Qualification`` as its constructor makes, for the engine's hot path: a frozen
    dataclass writes each field through ``object.__setattr__`` (about 2.4 µs for these twelve,
    most of a qualification's own time); the slots' own setters take half of that. Nothing is
    checked here that the constructor would check: it has no ``__post_init__``."""
    made = _new(Qualification)
    _FACTS(made, facts)
    _BANT(made, bant)
    _STAGE(made, stage)
    _RATING(made, rating)
    _FIRED_RULE(made, fired_rule)
    _SCORE(made, score)
    _POINTS(made, points)
    _DISQUALIFIED(made, disqualified)
    _CRITERIA_VERSION(made, criteria_version)
    _FIXED_LINES(made, fixed_lines)
    _ENGAGED(made, engaged)
    _EXPLANATION(made, None)
    return made

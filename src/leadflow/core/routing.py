"""Partner routing (DESIGN.md, "Partner routing"): which partner gets a lead, and why.

Eligible partners are active, enabled, not agency partners, cover the lead's territory, are under
capacity, and have not held this lead before. They are ranked by program level, then
certification level, then fairness (fewest leads received recently), ties broken by a stable
order (the partner's id). C and FYI leads, and leads without a rating, are never routed.

The module is pure: the caller reads the partners' state (open leads, leads received in the
fairness window, territories) and passes it in; ``route`` answers with the chosen partner and an
explanation for every candidate, so the same decision can be shown, stored and tested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from operator import attrgetter

from leadflow.core.enums import Rating
from leadflow.core.errors import DomainRefused, InputError, NormalisationError
from leadflow.core.handoff import ROUTABLE_RATINGS
from leadflow.core.normalise.places import normalise_country, normalise_subdivision

#: Ratings that are handed to partners; C leads are contacts, FYI information only.
#: "Fewest leads received recently": the window that counts, in days.
FAIRNESS_WINDOW_DAYS = 30
#: Default open-lead capacity of a partner (DESIGN.md: at most 10 open leads).
DEFAULT_CAPACITY = 10
AGENCY = "agency"


class CapacityReached(DomainRefused):
    """The partner already holds as many open leads as its capacity allows."""


class NotRoutable(DomainRefused):
    """The lead cannot be handed to partners (its rating, or its program's hand-off mode)."""


@dataclass(frozen=True, slots=True)
class TerritoryRule:
    """One territory of a partner: a country, optionally narrowed to a subdivision and/or a
    postal-code prefix. Codes are ISO 3166 (country alpha-2, the subdivision's own part)."""

    country: str
    subdivision: str = ""
    postal_prefix: str = ""

    def covers(self, lead: RoutingLead) -> bool:
        if not lead.country or lead.country.upper() != self.country.upper():
            return False
        if self.subdivision and lead.subdivision.upper() != self.subdivision.upper():
            return False
        return not self.postal_prefix or postal_key(lead.postal_code).startswith(
            postal_key(self.postal_prefix)
        )

    def label(self) -> str:
        parts = [self.country.upper()]
        if self.subdivision:
            parts[0] += f"-{self.subdivision.upper()}"
        if self.postal_prefix:
            parts.append(f"postal {postal_key(self.postal_prefix)}*")
        return " ".join(parts)


def postal_key(code: str) -> str:
    """A postal code compared without case, spaces or dashes ("sw1a 1aa" and "SW1A1AA")."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


#: A territory as a person writes it: a country code, optionally "-" and a subdivision code,
#: optionally a space and the start of a postal code ("US", "US-CA", "US-CA 94", "GB SW1A").
_TERRITORY = re.compile(
    r"([A-Za-z]{2})(?:-([A-Za-z0-9]{1,3}))?(?:[ \t]+([A-Za-z0-9][A-Za-z0-9 -]*))?"
)
#: The longest postal prefix a territory keeps (the column's width), and the most territories
#: one partner may have: beyond that the text is a paste gone wrong, not a sales territory.
POSTAL_PREFIX_MAX = 16
TERRITORIES_MAX = 500
_LINE_SHOWN = 40
_EXAMPLE = "write US, US-CA or US-CA 94"


class TerritoryError(InputError):
    """Territories typed by a person that cannot be read: one problem per line, in order."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("territories", "; ".join(problems))
        self.problems = tuple(problems)


def _shown(line: str) -> str:
    """A line quoted back to the person: printable, and short enough to read."""
    text = "".join(ch if ch.isprintable() else "\N{REPLACEMENT CHARACTER}" for ch in line)
    return text if len(text) <= _LINE_SHOWN else text[: _LINE_SHOWN - 1] + "\N{HORIZONTAL ELLIPSIS}"


def _territory(line: str) -> TerritoryRule | str:
    """One line as a territory, or why it is not one."""
    match = _TERRITORY.fullmatch(line)
    if match is None:
        return f"“{_shown(line)}” is not a territory; {_EXAMPLE}"
    country_typed, subdivision_typed, postal_typed = match.groups()
    try:
        country = normalise_country(country_typed)
    except NormalisationError:
        return f"“{country_typed.upper()}” is not a country code; {_EXAMPLE}"
    subdivision = ""
    if subdivision_typed:
        try:
            subdivision = normalise_subdivision(country, subdivision_typed)
        except NormalisationError:
            return f"“{subdivision_typed.upper()}” is not a state, province or region of {country}"
    postal = postal_key(postal_typed or "")
    if postal and not subdivision and not any(ch.isdigit() for ch in postal):
        try:
            meant = normalise_subdivision(country, postal)
        except NormalisationError:
            pass
        else:
            return (
                f"“{_shown(line)}” reads as postal codes starting {postal}; "
                f"for the state, province or region write {country}-{meant}"
            )
    if len(postal) > POSTAL_PREFIX_MAX:
        return f"the postal code start “{_shown(postal)}” is longer than {POSTAL_PREFIX_MAX}"
    return TerritoryRule(country, subdivision, postal)


def territories_parse(text: str) -> tuple[TerritoryRule, ...]:
    """A partner's territories from text, one a line ("US", "US-CA", "US-CA 94"): codes in any
    case, an everyday two-letter alias of a country ("UK") read as its ISO code, postal-code
    starts compared without spaces or dashes. Blank lines are ignored and a territory written
    twice is kept once. Raises ``TerritoryError`` naming every line that cannot be read (an
    unknown country or subdivision, stray characters, a postal start too long) and nothing is
    returned then: a partner never gets half of what was typed."""
    rules: dict[TerritoryRule, None] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        found = _territory(line)
        if isinstance(found, str):
            problems.append(f"Line {number}: {found}.")
        else:
            rules.setdefault(found)
    if len(rules) > TERRITORIES_MAX:
        problems.append(f"At most {TERRITORIES_MAX} territories; this text has {len(rules)}.")
    if problems:
        raise TerritoryError(problems)
    return tuple(rules)


def territories_text(rules: Iterable[TerritoryRule]) -> str:
    """Territories as ``territories_parse`` reads them, one a line, sorted."""
    return "\n".join(
        sorted(
            " ".join(
                part
                for part in (
                    rule.country + (f"-{rule.subdivision}" if rule.subdivision else ""),
                    rule.postal_prefix,
                )
                if part
            )
            for rule in rules
        )
    )


@dataclass(frozen=True, slots=True)
class RoutingLead:
    lead_id: int
    rating: Rating | None
    country: str = ""
    subdivision: str = ""
    postal_code: str = ""
    #: Partners that held this lead before (declined, reassigned away, or closed it).
    previous_partner_ids: frozenset[int] = frozenset()

    def territory_label(self) -> str:
        place = self.country.upper() or "no country"
        if self.subdivision:
            place += f"-{self.subdivision.upper()}"
        if self.postal_code:
            place += f" {postal_key(self.postal_code)}"
        return place


@dataclass(frozen=True, slots=True)
class PartnerState:
    """A candidate partner as routing sees it at one moment.

    ``program_rank`` and ``certification_rank`` are positions in the client's ordered level
    lists (0 is the best); ``level_rank`` gives them. ``received_recently`` counts the leads
    assigned to the partner in the last ``FAIRNESS_WINDOW_DAYS`` days.
    """

    partner_id: int
    name: str
    partner_type: str
    is_active: bool
    flow_enabled: bool
    territories: tuple[TerritoryRule, ...]
    open_leads: int
    capacity: int
    received_recently: int
    program_level: str = ""
    program_rank: int = 0
    certification_level: str = ""
    certification_rank: int = 0

    def sort_key(self) -> tuple[int, int, int, int]:
        return (self.program_rank, self.certification_rank, self.received_recently, self.partner_id)

    def with_one_more(self) -> PartnerState:
        """The state after this partner receives one more lead (for routing a batch)."""
        return replace(
            self, open_leads=self.open_leads + 1, received_recently=self.received_recently + 1
        )


def level_rank(level: str, ordered: Sequence[str]) -> int:
    """The position of ``level`` in the client's list, best first; unknown or blank is last."""
    try:
        return list(ordered).index(level)
    except ValueError:
        return len(ordered)


@dataclass(frozen=True, slots=True)
class Candidate:
    partner_id: int
    name: str
    eligible: bool
    reasons: tuple[str, ...]
    """Why the partner is not eligible; empty when it is."""
    rank: int | None = None
    """1 for the chosen partner, 2 for the next, …; None when not eligible."""
    explanation: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "partner_id": self.partner_id,
            "name": self.name,
            "eligible": self.eligible,
            "rank": self.rank,
            "reasons": list(self.reasons),
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    lead_id: int
    decided_at: datetime
    partner_id: int | None
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)
    explanation: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ranking(self) -> tuple[Candidate, ...]:
        """The eligible partners, best first."""
        return tuple(sorted((c for c in self.candidates if c.eligible), key=lambda c: c.rank or 0))

    @property
    def ineligible(self) -> tuple[Candidate, ...]:
        return tuple(c for c in self.candidates if not c.eligible)

    def as_json(self) -> dict[str, object]:
        return {
            "partner_id": self.partner_id,
            "decided_at": self.decided_at.isoformat(),
            "explanation": list(self.explanation),
            "candidates": [candidate.as_json() for candidate in self.candidates],
        }


def ineligibility(lead: RoutingLead, partner: PartnerState) -> tuple[str, ...]:
    """Every reason the partner may not receive the lead; empty when it may."""
    reasons = []
    if not partner.is_active:
        reasons.append("inactive")
    if not partner.flow_enabled:
        reasons.append("lead flow disabled")
    if partner.partner_type == AGENCY:
        reasons.append("agency partners receive no pre-qualified leads")
    for rule in partner.territories:
        if rule.covers(lead):
            break
    else:
        covered = ", ".join(rule.label() for rule in partner.territories) or "no territory"
        reasons.append(f"does not cover {lead.territory_label()} (covers {covered})")
    if partner.open_leads >= partner.capacity:
        reasons.append(f"at capacity ({partner.open_leads} of {partner.capacity} open leads)")
    if partner.partner_id in lead.previous_partner_ids:
        reasons.append("held this lead before")
    return tuple(reasons)


_partner_id = attrgetter("partner_id")


def route(lead: RoutingLead, candidates: Sequence[PartnerState], now: datetime) -> RoutingDecision:
    """Choose the partner for ``lead`` among ``candidates`` and explain the choice.

    Raises NotRoutable for a lead whose rating is not Hot, A or B. ``partner_id`` is None when
    no candidate is eligible: the lead then waits in the routing queue.
    """
    if lead.rating not in ROUTABLE_RATINGS:
        rating = lead.rating.label if lead.rating else "no rating"
        raise NotRoutable(f"lead #{lead.lead_id} is rated {rating}: only Hot, A and B are routed")
    eligible: list[PartnerState] = []
    refused: dict[int, tuple[str, ...]] = {}
    for partner in candidates:
        reasons = ineligibility(lead, partner)
        if reasons:
            refused[partner.partner_id] = reasons
        else:
            eligible.append(partner)
    eligible.sort(key=PartnerState.sort_key)
    ranks = {partner.partner_id: index + 1 for index, partner in enumerate(eligible)}
    result = []
    for partner in sorted(candidates, key=_partner_id):
        rank = ranks.get(partner.partner_id)
        # Positional: a frozen dataclass built from keywords costs twice as much, and a
        # sweep builds ~50 candidates for every overdue lead (issue 18, item 4).
        result.append(
            Candidate(
                partner.partner_id,
                partner.name,
                rank is not None,
                refused.get(partner.partner_id, ()),
                rank,
                _ranked(partner) if rank is not None else "",
            )
        )
    chosen = eligible[0] if eligible else None
    explanation: tuple[str, ...]
    if chosen is None:
        explanation = (
            f"no eligible partner among {len(candidates)}: the lead waits in the routing queue",
        )
    else:
        explanation = (
            f"routed to {chosen.name} (#{chosen.partner_id}), first of {len(eligible)} eligible "
            f"of {len(candidates)} partners",
            "ranked by program level, then certification level, then fewest leads received in "
            f"the last {FAIRNESS_WINDOW_DAYS} days, then partner id",
        )
    return RoutingDecision(
        lead_id=lead.lead_id,
        decided_at=now,
        partner_id=chosen.partner_id if chosen else None,
        candidates=tuple(result),
        explanation=explanation,
    )


def _ranked(partner: PartnerState) -> str:
    program = partner.program_level or "no program level"
    certification = partner.certification_level or "no certification"
    return (
        f"{program} (rank {partner.program_rank + 1}), {certification} "
        f"(rank {partner.certification_rank + 1}), {partner.received_recently} leads received "
        f"in {FAIRNESS_WINDOW_DAYS} days, {partner.open_leads} of {partner.capacity} open"
    )


def route_batch(
    leads: Sequence[RoutingLead], candidates: Sequence[PartnerState], now: datetime
) -> list[RoutingDecision]:
    """Route several leads in order against the same partners, each choice counting against
    the chosen partner's capacity and fairness for the leads after it (a sweep or a queue
    drain). Leads that are not routable are left out."""
    states = {partner.partner_id: partner for partner in candidates}
    decisions = []
    for lead in leads:
        if lead.rating not in ROUTABLE_RATINGS:
            continue
        decision = route(lead, list(states.values()), now)
        if decision.partner_id is not None:
            states[decision.partner_id] = states[decision.partner_id].with_one_more()
        decisions.append(decision)
    return decisions

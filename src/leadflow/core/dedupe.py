"""De-duplication of incoming leads within a program.

The rule, from the issue: an incoming lead that matches an existing lead of the same program
(same normalised e-mail; or same phone; or same company key and same person's name) is merged
into it, and which of these count is a setting of the program (`DedupeRule`).

Keys come from `leadflow.core.normalise`, so "Ada@Example.com" and "ada@example.com", or "ACME,
Inc." and "Acme", are already equal here. Person names within one company match when they are
similar enough (rapidfuzz's token sort ratio), so a typo or swapped names still find the lead.

`find_match` scans a list of candidates and is the plain statement of the rule, for a single lead
checked against the few leads a query found. `DedupeIndex` gives the same answers in constant
time per e-mail and phone for an import that checks every row against everything before it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process

from leadflow.core.normalise import NormalisedLead


class MatchOn(StrEnum):
    """A way two leads are recognised as one, in priority order."""

    EMAIL = "email"
    PHONE = "phone"
    COMPANY_AND_NAME = "company_and_name"


@dataclass(frozen=True)
class DedupeRule:
    """A program's de-duplication setting.

    `match_on` names the keys that count (values may be given as strings); `name_similarity`
    is the least token sort ratio (0-100) at which two person names within the same company key
    are the same person, 100 meaning identical person keys.
    """

    match_on: frozenset[MatchOn] = frozenset(MatchOn)
    name_similarity: int = 90

    def __post_init__(self) -> None:
        object.__setattr__(self, "match_on", frozenset(MatchOn(m) for m in self.match_on))
        if not 0 <= self.name_similarity <= 100:
            raise ValueError(f"name_similarity must be 0-100, not {self.name_similarity}")

    @property
    def enabled(self) -> bool:
        return bool(self.match_on)


@dataclass(frozen=True)
class MatchKeys:
    """The normalised values a lead is matched on; "" when the lead has none."""

    email: str = ""
    phone: str = ""
    company_key: str = ""
    person_key: str = ""


def match_keys(lead: NormalisedLead) -> MatchKeys:
    return MatchKeys(
        email=lead.email,
        phone=lead.phone,
        company_key=lead.company_key,
        person_key=lead.person_key,
    )


@dataclass(frozen=True)
class Candidate:
    """An existing lead of the program: its id (older leads have lower ids) and its keys."""

    id: int
    keys: MatchKeys


@dataclass(frozen=True)
class Match:
    """The existing lead an incoming lead is merged into, and why."""

    id: int
    on: MatchOn
    explanation: str


def _name_explanation(keys: MatchKeys, other_person_key: str, score: float) -> str:
    same = f"same company {keys.company_key!r} and name {keys.person_key!r}"
    if other_person_key == keys.person_key:
        return same
    return f"{same} ~ {other_person_key!r} ({int(score)})"


def _name_score(person_key: str, other: str, rule: DedupeRule) -> float | None:
    """The similarity of two non-empty person keys when it reaches the rule's threshold."""
    if rule.name_similarity >= 100:
        return 100.0 if person_key == other else None
    score = fuzz.token_sort_ratio(person_key, other)
    return score if score >= rule.name_similarity else None


def find_match(keys: MatchKeys, candidates: Iterable[Candidate], rule: DedupeRule) -> Match | None:
    """The existing lead that `keys` duplicates under `rule`, or None.

    E-mail beats phone beats company and name; among candidates matching on the same key the
    lowest id, the oldest lead, wins. Empty keys never match.
    """
    best: dict[MatchOn, Match] = {}
    for candidate in candidates:
        for match in _matches(keys, candidate, rule):
            current = best.get(match.on)
            if current is None or match.id < current.id:
                best[match.on] = match
    return next((best[on] for on in MatchOn if on in best), None)


def _matches(keys: MatchKeys, candidate: Candidate, rule: DedupeRule) -> Iterable[Match]:
    other = candidate.keys
    if MatchOn.EMAIL in rule.match_on and keys.email and keys.email == other.email:
        yield Match(candidate.id, MatchOn.EMAIL, f"same e-mail {keys.email}")
    if MatchOn.PHONE in rule.match_on and keys.phone and keys.phone == other.phone:
        yield Match(candidate.id, MatchOn.PHONE, f"same phone {keys.phone}")
    if (
        MatchOn.COMPANY_AND_NAME in rule.match_on
        and keys.company_key
        and keys.person_key
        and other.person_key
        and keys.company_key == other.company_key
    ):
        score = _name_score(keys.person_key, other.person_key, rule)
        if score is not None:
            explanation = _name_explanation(keys, other.person_key, score)
            yield Match(candidate.id, MatchOn.COMPANY_AND_NAME, explanation)


class DedupeIndex:
    """The leads of a program indexed for an import: e-mail and phone look-ups are dictionary
    look-ups, and the name match compares only the distinct person keys of the same company.

    It answers exactly as `find_match` over the same candidates would.
    """

    def __init__(self, rule: DedupeRule) -> None:
        self.rule = rule
        self._by_email: dict[str, int] = {}
        self._by_phone: dict[str, int] = {}
        self._by_company: defaultdict[str, dict[str, int]] = defaultdict(dict)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, candidate: Candidate) -> None:
        keys = candidate.keys
        self._count += 1
        if keys.email:
            _keep_oldest(self._by_email, keys.email, candidate.id)
        if keys.phone:
            _keep_oldest(self._by_phone, keys.phone, candidate.id)
        if keys.company_key and keys.person_key:
            _keep_oldest(self._by_company[keys.company_key], keys.person_key, candidate.id)

    def find(self, keys: MatchKeys) -> Match | None:
        match_on = self.rule.match_on
        if MatchOn.EMAIL in match_on and keys.email in self._by_email:
            return Match(self._by_email[keys.email], MatchOn.EMAIL, f"same e-mail {keys.email}")
        if MatchOn.PHONE in match_on and keys.phone in self._by_phone:
            return Match(self._by_phone[keys.phone], MatchOn.PHONE, f"same phone {keys.phone}")
        if MatchOn.COMPANY_AND_NAME in match_on and keys.person_key:
            return self._find_by_name(keys)
        return None

    def _find_by_name(self, keys: MatchKeys) -> Match | None:
        people = self._by_company.get(keys.company_key)
        if not people:
            return None
        if self.rule.name_similarity >= 100:
            found = [(keys.person_key, 100.0)] if keys.person_key in people else []
        else:
            found = [
                (person, score)
                for person, score, _ in process.extract(
                    keys.person_key,
                    list(people),
                    scorer=fuzz.token_sort_ratio,
                    score_cutoff=self.rule.name_similarity,
                    limit=None,
                )
            ]
        if not found:
            return None
        person, score = min(found, key=lambda hit: people[hit[0]])
        explanation = _name_explanation(keys, person, score)
        return Match(people[person], MatchOn.COMPANY_AND_NAME, explanation)


def _keep_oldest(index: dict[str, int], key: str, lead_id: int) -> None:
    current = index.get(key)
    if current is None or lead_id < current:
        index[key] = lead_id

"""De-duplication of incoming leads within a program (DESIGN.md, Intake rules).

Two records are merged only on a *strong key*, in this order:

1. the same external id from the same source system (always, whatever the program's setting);
2. the same normalised e-mail;
3. the same phone and *compatible* names (`names_compatible`: one side has no name, or the
   names are equal, one abbreviates the other word by word ("A. Lovelace", "Ada"), or they are
   similar with the given and family names in the same order);
4. the same company key and a similar person's name (rapidfuzz's token sort ratio), only when
   neither side has a conflicting e-mail or external id (both present and different).

Which of 2-4 count is a setting of the program (`DedupeRule`). Anything weaker that still looks
like the same person (the same phone with other names; a similar name at the same company with
other e-mails or external ids, swapped first and last names included) is a `Possible`
duplicate: intake creates the new lead and records the pair for a person to decide.

Keys come from `leadflow.core.normalise`, so "Ada@Example.com" and "ada@example.com", or "ACME,
Inc." and "Acme", are already equal here. `assess` (and `find_match`, its match alone) is the
plain statement of the rule over a list of candidates; `DedupeIndex` gives the same answers for
an import that checks every row against everything before it, looking up only the candidates
that share a key; `repeated_external_ids` and `external_id_conflicts` find the rows of a file
whose external id names several people.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz, process

from leadflow.core.normalise import NormalisedLead

#: `Match.on` for the same external id from the same source system.
EXTERNAL_ID = "external_id"
#: How many possible duplicates one incoming lead proposes at most (the oldest first).
POSSIBLE_LIMIT = 5


class MatchOn(StrEnum):
    """A way two leads are recognised as one, in priority order (a program's setting)."""

    EMAIL = "email"
    PHONE = "phone"
    COMPANY_AND_NAME = "company_and_name"


@dataclass(frozen=True)
class DedupeRule:
    """A program's de-duplication setting.

    `match_on` names the keys that count (values may be given as strings); `name_similarity`
    is the least similarity (0-100) at which two person names are the same person, 100 meaning
    identical person keys.
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
    """The normalised values a lead is matched on; "" when the lead has none. An external id
    counts only with its source system (`external_source`, "" for an unstated one)."""

    email: str = ""
    phone: str = ""
    company_key: str = ""
    person_key: str = ""
    external_id: str = ""
    external_source: str = ""


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
    """The existing lead an incoming lead is merged into, and why (`on` is a `MatchOn` or
    `EXTERNAL_ID`)."""

    id: int
    on: str
    explanation: str


@dataclass(frozen=True)
class Possible:
    """An existing lead the incoming one resembles without a strong key: a person decides."""

    id: int
    reason: str
    score: float


@dataclass(frozen=True)
class Verdict:
    """The match, or when there is none the possible duplicates (oldest first)."""

    match: Match | None = None
    possible: tuple[Possible, ...] = ()


def names_compatible(person_key: str, other: str, rule: DedupeRule) -> bool:
    """Whether two person keys can be one person for a phone match: one is empty, they are
    equal, one abbreviates the other word by word, or (below similarity 100) they are similar
    in the same order. Swapped given and family names are not compatible."""
    if not person_key or not other or person_key == other:
        return True
    words, other_words = person_key.split(), other.split()
    if sorted(words) == sorted(other_words):
        return False  # the same words in another order: given and family names swapped
    pairs = zip(words, other_words, strict=False)
    if all(mine.startswith(theirs) or theirs.startswith(mine) for mine, theirs in pairs):
        return True  # one abbreviates the other word by word ("a lovelace", "ada lovelace")
    return rule.name_similarity < 100 and fuzz.ratio(person_key, other) >= rule.name_similarity


def _conflict(mine: str, theirs: str) -> bool:
    return bool(mine and theirs and mine != theirs)


def _external_conflict(keys: MatchKeys, other: MatchKeys) -> bool:
    return keys.external_source == other.external_source and _conflict(
        keys.external_id, other.external_id
    )


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


def _judge(keys: MatchKeys, candidate: Candidate, rule: DedupeRule) -> Match | Possible | None:
    """The strongest relation of `keys` to one candidate."""
    other = candidate.keys
    if (
        keys.external_id
        and keys.external_id == other.external_id
        and keys.external_source == other.external_source
    ):
        return Match(candidate.id, EXTERNAL_ID, "same external id")
    if not rule.enabled:
        return None
    if MatchOn.EMAIL in rule.match_on and keys.email and keys.email == other.email:
        return Match(candidate.id, MatchOn.EMAIL, f"same e-mail {keys.email}")
    found: Possible | None = None
    if MatchOn.PHONE in rule.match_on and keys.phone and keys.phone == other.phone:
        if _external_conflict(keys, other):
            found = Possible(candidate.id, f"same phone {keys.phone}, other external id", 100.0)
        elif names_compatible(keys.person_key, other.person_key, rule):
            return Match(candidate.id, MatchOn.PHONE, f"same phone {keys.phone}")
        else:
            score = fuzz.ratio(keys.person_key, other.person_key)
            found = Possible(
                candidate.id,
                f"same phone {keys.phone}, names {keys.person_key!r} and "
                f"{other.person_key!r} differ",
                score,
            )
    if (
        MatchOn.COMPANY_AND_NAME in rule.match_on
        and keys.company_key
        and keys.person_key
        and other.person_key
        and keys.company_key == other.company_key
    ):
        similarity = _name_score(keys.person_key, other.person_key, rule)
        if similarity is not None:
            explanation = _name_explanation(keys, other.person_key, similarity)
            if _conflict(keys.email, other.email):
                return found or Possible(candidate.id, f"{explanation}, other e-mail", similarity)
            if _external_conflict(keys, other):
                return found or Possible(
                    candidate.id, f"{explanation}, other external id", similarity
                )
            return Match(candidate.id, MatchOn.COMPANY_AND_NAME, explanation)
    return found


_PRIORITY = {EXTERNAL_ID: 0, MatchOn.EMAIL: 1, MatchOn.PHONE: 2, MatchOn.COMPANY_AND_NAME: 3}


def assess(keys: MatchKeys, candidates: Iterable[Candidate], rule: DedupeRule) -> Verdict:
    """What `keys` is to the program's leads under `rule`.

    External id beats e-mail beats phone beats company and name; among candidates matching on
    the same key the lowest id, the oldest lead, wins. Empty keys never match. Without a match,
    the candidates it only resembles are its possible duplicates, oldest first.
    """
    best: Match | None = None
    possible: dict[int, Possible] = {}
    for candidate in candidates:
        judged = _judge(keys, candidate, rule)
        if isinstance(judged, Match):
            if best is None or (_PRIORITY[judged.on], judged.id) < (_PRIORITY[best.on], best.id):
                best = judged
        elif judged is not None:
            possible.setdefault(judged.id, judged)
    if best is not None:
        return Verdict(match=best)
    return Verdict(possible=tuple(possible[i] for i in sorted(possible)[:POSSIBLE_LIMIT]))


def find_match(keys: MatchKeys, candidates: Iterable[Candidate], rule: DedupeRule) -> Match | None:
    """The existing lead that `keys` duplicates under `rule`, or None (see `assess`)."""
    return assess(keys, candidates, rule).match


class DedupeIndex:
    """The leads of a program indexed for an import: external id and e-mail look-ups are
    dictionary look-ups, the same phone's leads a set, and the name match compares only the
    distinct person keys of the same company. Only the leads sharing a key are then judged by
    `assess`, so it answers exactly as `assess` over all candidates would.
    """

    def __init__(self, rule: DedupeRule) -> None:
        self.rule = rule
        self._keys: dict[int, MatchKeys] = {}
        self._by_external: dict[tuple[str, str], int] = {}
        self._by_email: dict[str, int] = {}
        self._by_phone: defaultdict[str, set[int]] = defaultdict(set)
        self._by_company: defaultdict[str, defaultdict[str, set[int]]] = defaultdict(
            lambda: defaultdict(set)
        )

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, candidate: Candidate) -> None:
        """Index a lead, or its keys again after a merge filled some (they only grow)."""
        keys = candidate.keys
        self._keys[candidate.id] = keys
        if keys.external_id:
            _keep_oldest(self._by_external, (keys.external_source, keys.external_id), candidate.id)
        if keys.email:
            _keep_oldest(self._by_email, keys.email, candidate.id)
        if keys.phone:
            self._by_phone[keys.phone].add(candidate.id)
        if keys.company_key and keys.person_key:
            self._by_company[keys.company_key][keys.person_key].add(candidate.id)

    def assess(self, keys: MatchKeys) -> Verdict:
        ids: set[int] = set()
        if keys.external_id:
            found = self._by_external.get((keys.external_source, keys.external_id))
            ids.update([found] if found is not None else [])
        if keys.email and keys.email in self._by_email:
            ids.add(self._by_email[keys.email])
        if keys.phone:
            ids.update(self._by_phone.get(keys.phone, ()))
        if keys.company_key and keys.person_key:
            ids.update(self._similar(keys))
        return assess(keys, (Candidate(i, self._keys[i]) for i in sorted(ids)), self.rule)

    def find(self, keys: MatchKeys) -> Match | None:
        return self.assess(keys).match

    def _similar(self, keys: MatchKeys) -> Iterable[int]:
        people = self._by_company.get(keys.company_key)
        if not people:
            return ()
        return [
            lead_id
            for person in similar_people(keys.person_key, people, self.rule)
            for lead_id in people[person]
        ]


def similar_people(person_key: str, people: Collection[str], rule: DedupeRule) -> list[str]:
    """The person keys among ``people`` (of one company) similar enough to ``person_key`` to
    be judged by the rule's name match: the same key when the rule asks for identical names,
    else those reaching its similarity, compared all at once."""
    if rule.name_similarity >= 100:
        return [person_key] if person_key in people else []
    hits = process.extract(
        person_key,
        list(people),
        scorer=fuzz.token_sort_ratio,
        score_cutoff=rule.name_similarity,
        limit=None,
    )
    return [person for person, _, _ in hits]


def _keep_oldest(index: dict[Any, int], key: Any, lead_id: int) -> None:
    current = index.get(key)
    if current is None or lead_id < current:
        index[key] = lead_id


def external_id_conflicts(
    rows: Iterable[tuple[int, MatchKeys]], rule: DedupeRule
) -> dict[int, str]:
    """The rows (by number) to reject because their external id appears on other rows of the
    file that name another person: other non-empty e-mails, or incompatible names. ``rows``
    are the (row number, keys) of the rows whose id repeats; each id is compared with its own
    source system."""
    by_id: defaultdict[tuple[str, str], list[tuple[int, MatchKeys]]] = defaultdict(list)
    for number, keys in rows:
        if keys.external_id:
            by_id[(keys.external_source, keys.external_id)].append((number, keys))
    rejected: dict[int, str] = {}
    for (_, external_id), found in by_id.items():
        if len(found) < 2:
            continue
        emails = {keys.email for _, keys in found if keys.email}
        people = [keys.person_key for _, keys in found if keys.person_key]
        if len(emails) > 1:
            what = "different e-mails"
        elif any(not names_compatible(a, b, rule) for a in people for b in people):
            what = "different names"
        else:
            continue
        reason = f"external id {external_id} appears on {len(found)} rows with {what}"
        rejected.update(dict.fromkeys((number for number, _ in found), reason))
    return rejected


def repeated_external_ids(rows: Iterable[tuple[int, str]]) -> set[str]:
    """The external ids (as sent) that appear on more than one row."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for _, external_id in rows:
        key = external_id.strip()
        if key:
            (repeated if key in seen else seen).add(key)
    return repeated

"""De-duplication of an import's rows (DESIGN.md, Intake rules; issue 12, parts 1 and 8).

Each row is judged by the core's rule (``assess``) against the program's leads and the rows
before it in the file, through one in-memory index (``DedupeIndex``) loaded with one query when
the run starts. Two things keep it right while captures arrive at the same time:

- each chunk's transaction first takes the same per-key advisory locks as a capture
  (``dedupe_lock``), then asks the database once for every lead sharing a key with the chunk's
  rows (``dedupe_candidates``) and adds them to the index, and only then places the rows: a
  person captured through the API or a form during the import is merged into, never created
  twice, and a capture waits for the chunk that lists its person;
- before any row is placed, external ids repeated in the file are checked (the core's
  ``repeated_external_ids`` and ``external_id_conflicts``): a repeated id whose rows disagree on
  who the person is (other e-mails, incompatible names) rejects those rows with the reason, since
  the column cannot be an id; repeated with one identity it is one person.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection

from leadflow.core.dedupe import (
    Candidate,
    DedupeIndex,
    DedupeRule,
    MatchKeys,
    MatchOn,
    Possible,
    similar_people,
)
from leadflow.intake.services.capture import dedupe_candidates, dedupe_lock, dedupe_rule
from leadflow.leads.models import Lead
from leadflow.programs.models import Program

#: Ids given to leads of the running import before they are inserted: above every real id, so
#: the index still prefers the older, existing lead, and in file order among themselves.
PENDING_ID_BASE = 1 << 62


@dataclass(frozen=True)
class Placement:
    """Where a row goes: merged into ``target`` (``reason`` says why), or a new lead whose
    pending id is ``target`` with the leads it only resembles (``possible``)."""

    target: int
    new: bool
    reason: str = ""
    possible: tuple[Possible, ...] = ()


@dataclass
class FileIndex:
    """The program's leads and the file's placed rows, as the core's index."""

    program: Program
    rule: DedupeRule = field(init=False)
    index: DedupeIndex = field(init=False)
    keys: dict[int, MatchKeys] = field(default_factory=dict)
    next_pending: int = PENDING_ID_BASE

    def __post_init__(self) -> None:
        self.rule = dedupe_rule(self.program)
        self.index = DedupeIndex(self.rule)

    def preload(self) -> None:
        """The program's existing leads' keys, in one query, oldest first."""
        rows = (
            Lead.objects.filter(program=self.program)
            .order_by("id")
            .values_list(
                "id",
                "email",
                "phone",
                "company_key",
                "person_key",
                "external_id",
                "external_source",
            )
        )
        for lead_id, email, phone, company, person, external_id, source in rows.iterator(
            chunk_size=5000
        ):
            self._add(lead_id, MatchKeys(email, phone, company, person, external_id or "", source))

    def lock_and_refresh(
        self, keys: Sequence[MatchKeys], *, lock: bool = True, companies: Companies | None = None
    ) -> None:
        """Inside a chunk's transaction: take the captures' locks on the chunk's keys, then add
        every lead of the program sharing one of them, as the database holds it now (one
        query), so leads captured since the run started are matched. With the run's
        ``companies``, only the people of a row's company that its name is similar to are
        read, not every lead of the company."""
        if lock:
            dedupe_lock(program=self.program, keys=keys, rule=self.rule)
        ids: set[int] = set()
        if companies is not None:
            companies.catch_up()
            ids = companies.similar(keys)
        for candidate in dedupe_candidates(
            program=self.program,
            keys=keys,
            rule=self.rule,
            companies=companies is None,
            ids=ids,
        ):
            self._add(candidate.id, candidate.keys)

    def place(self, keys: MatchKeys) -> Placement:
        verdict = self.index.assess(keys)
        if verdict.match is None:
            target = self.next_pending
            self.next_pending += 1
            self._add(target, keys)
            return Placement(target=target, new=True, possible=verdict.possible)
        target = verdict.match.id
        current = self.keys[target]
        filled = MatchKeys(
            email=current.email or keys.email,
            phone=current.phone or keys.phone,
            company_key=current.company_key or keys.company_key,
            person_key=current.person_key or keys.person_key,
            external_id=current.external_id or keys.external_id,
            external_source=current.external_source
            if current.external_id
            else keys.external_source,
        )
        if filled != current:
            self._add(target, filled)
        return Placement(target=target, new=False, reason=verdict.match.explanation)

    def _add(self, lead_id: int, keys: MatchKeys) -> None:
        self.keys[lead_id] = keys
        self.index.add(Candidate(lead_id, keys))


#: Person entries ``Companies`` keeps at most (about 150 MB); past it, it starts again empty
#: and reads the companies it meets again.
COMPANY_PEOPLE_LIMIT = 1_000_000


@dataclass
class Companies:
    """The people (person key → lead ids) of each company the run's rows have named, by
    company key, so that a chunk asks the database only for the leads a row's name resembles
    rather than for every lead of its company: at a million leads a common company key ("smith")
    holds thousands of them, and reading them for every chunk grew with the square of the file.

    A company is read once, when a row first names it (one query per chunk for all the new
    ones); what the run writes is added as it is written (``add``), and what others wrote since
    is read at each chunk's start (``catch_up``: the leads above the highest id seen, under the
    chunk's locks). A lead whose company or name someone else changes during the run is not
    re-read: it is still matched on its e-mail, phone and external id (docs/DECISIONS.md)."""

    program: Program
    rule: DedupeRule
    people: dict[str, dict[str, set[int]]] = field(default_factory=dict)
    size: int = 0
    seen: int = 0

    def __post_init__(self) -> None:
        self.enabled = self.rule.enabled and MatchOn.COMPANY_AND_NAME in self.rule.match_on
        self.seen = (
            Lead.objects.filter(program=self.program).order_by("-id").values_list("id", flat=True)
        ).first() or 0

    def catch_up(self) -> None:
        """Add the program's leads written since the last look (by anyone)."""
        rows = (
            Lead.objects.filter(program=self.program, id__gt=self.seen)
            .order_by("id")
            .values_list("id", "company_key", "person_key")
        )
        for lead_id, company, person in rows:
            self.seen = lead_id
            if company in self.people and person:
                self._person(company, person, lead_id)

    def similar(self, keys: Sequence[MatchKeys]) -> set[int]:
        """The ids of the leads whose company and similar name the rows' keys name, reading
        the companies not yet known in one query."""
        if not self.enabled:
            return set()
        named = [k for k in keys if k.company_key and k.person_key]
        self._read({k.company_key for k in named} - self.people.keys())
        ids: set[int] = set()
        for k in named:
            people = self.people[k.company_key]
            for person in similar_people(k.person_key, people, self.rule):
                ids.update(people[person])
        return ids

    def add(self, lead_id: int, keys: MatchKeys) -> None:
        """A lead the run created or filled, as its keys now are."""
        if keys.company_key in self.people and keys.person_key:
            self._person(keys.company_key, keys.person_key, lead_id)

    def _read(self, companies: set[str]) -> None:
        if not companies:
            return
        if self.size > COMPANY_PEOPLE_LIMIT:
            self.people, self.size = {}, 0
        for company in companies:
            self.people[company] = {}
        postgres = connection.vendor == "postgresql"
        member = "= ANY(%s::text[])" if postgres else "IN (SELECT value FROM json_each(%s))"
        names = sorted(companies)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, company_key, person_key FROM {Lead._meta.db_table} "
                f"WHERE program_id = %s AND company_key {member} AND person_key <> ''",
                [self.program.pk, names if postgres else json.dumps(names)],
            )
            for lead_id, company, person in cursor.fetchall():
                self._person(company, person, lead_id)

    def _person(self, company: str, person: str, lead_id: int) -> None:
        ids = self.people[company].setdefault(person, set())
        if lead_id not in ids:
            ids.add(lead_id)
            self.size += 1

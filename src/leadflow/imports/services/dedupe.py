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

from collections.abc import Sequence
from dataclasses import dataclass, field

from leadflow.core.dedupe import (
    Candidate,
    DedupeIndex,
    DedupeRule,
    MatchKeys,
    Possible,
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

    def lock_and_refresh(self, keys: Sequence[MatchKeys], *, lock: bool = True) -> None:
        """Inside a chunk's transaction: take the captures' locks on the chunk's keys, then add
        every lead of the program sharing one of them, as the database holds it now (one
        query), so leads captured since the run started are matched."""
        if lock:
            dedupe_lock(program=self.program, keys=keys, rule=self.rule)
        for candidate in dedupe_candidates(program=self.program, keys=keys, rule=self.rule):
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

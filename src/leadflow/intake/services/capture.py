"""Capturing one inquiry: de-duplicate it against the program's leads under the locks of its
keys, then create the lead or merge it into the one it matches. The API, the web-to-lead forms
and the CLI all come through ``lead_capture``; imports share the matching and locking helpers
(``dedupe_rule``, ``dedupe_candidates``, ``dedupe_lock``)."""

import json
import zlib
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from leadflow.accounts.models import User
from leadflow.core.dedupe import (
    Candidate,
    DedupeRule,
    Match,
    MatchKeys,
    MatchOn,
    Possible,
    Verdict,
    assess,
)
from leadflow.intake.services.duplicates import possible_duplicate_record
from leadflow.intake.services.prepare import (
    IntakeRejected,
    Prepared,
    Submission,
    submission_prepare,
)
from leadflow.leads.models import Lead
from leadflow.leads.services import lead_merge
from leadflow.leads.services.consent import consents_record
from leadflow.leads.services.create_one import lead_create_one
from leadflow.lib.compiled import Compiled, compiled_once
from leadflow.lib.rows import Joined
from leadflow.programs.models import Client, Program
from leadflow.programs.selectors import PublishedCriteria, program_published_criteria


@dataclass(frozen=True)
class Capture:
    lead: Lead
    created: bool
    match: Match | None = None
    #: The existing leads a new lead resembles without a strong key, recorded for a person.
    possible: tuple[Possible, ...] = ()


def dedupe_rule(program: Program) -> DedupeRule:
    return DedupeRule(
        match_on=frozenset(MatchOn(m) for m in program.dedupe_match_on),
        name_similarity=program.dedupe_name_similarity,
    )


def prepared_consents_record(
    *, client: Client, prepared: Prepared, lead_id: int, actor: User | None, now: datetime
) -> None:
    """Record the consent a prepared inquiry states, noted in the history of its lead."""
    if not prepared.consents:
        return
    consents_record(
        client=client,
        changes=[replace(change, lead_id=lead_id) for change in prepared.consents],
        actor=actor,
        now=now,
    )


def lead_capture(
    *,
    program: Program,
    submission: Submission,
    actor: User | None,
    now: datetime,
    published: PublishedCriteria | None = None,
    merge_also: Callable[[Lead], Joined] | None = None,
) -> Capture:
    """Create the lead, or merge it into the existing lead of the program that it matches on a
    strong key (the core's ``assess``: the same external id from the same source, e-mail, phone
    with compatible names, company and name without a conflicting e-mail). A new lead that only
    resembles existing ones is created and each pair recorded as a possible duplicate.

    ``published`` is the program's published criteria when the caller has read them already.
    Inside a caller's transaction (the API's idempotent write) the capture joins it rather than
    opening a savepoint: an error anywhere undoes the whole request. ``merge_also`` is
    ``lead_merge``'s ``also`` for a merge (the API's key record joined to the merge's write)."""
    if not program.is_active:
        raise IntakeRejected({"program": f"{program.slug} is not accepting leads (inactive)"})
    published = published or program_published_criteria(program=program)
    prepared = submission_prepare(program=program, submission=submission, published=published)
    rule = dedupe_rule(program)
    with transaction.atomic(savepoint=False):
        _lock_keys(program, prepared, rule)
        existing, verdict = _existing(program, prepared, rule)
        if existing is None:
            lead = lead_create_one(
                program=program, data=prepared.data, actor=actor, now=now, published=published
            )
            possible_duplicate_record(
                program=program, pairs=[(lead.pk, p) for p in verdict.possible], now=now
            )
            prepared_consents_record(
                client=program.client, prepared=prepared, lead_id=lead.pk, actor=actor, now=now
            )
            lead.program = program
            return Capture(lead=lead, created=True, possible=verdict.possible)
        match = verdict.match
        assert match is not None
        lead = lead_merge(
            lead=existing,
            data=prepared.data,
            match=match.explanation,
            actor=actor,
            now=now,
            published=published,
            also=merge_also,
        )
        prepared_consents_record(
            client=program.client, prepared=prepared, lead_id=lead.pk, actor=actor, now=now
        )
        lead.program = program
        return Capture(lead=lead, created=False, match=match)


def _existing(
    program: Program, prepared: Prepared, rule: DedupeRule
) -> tuple[Lead | None, Verdict]:
    candidates = _inquiry_candidates(program, prepared.keys, rule)
    verdict = assess(prepared.keys, candidates, rule)
    if verdict.match is None:
        return None, verdict
    # ``lead_merge`` reads the lead again under its row lock: its id is all it needs here.
    return Lead(pk=verdict.match.id, program=program), verdict


def dedupe_candidates(
    *,
    program: Program,
    keys: Sequence[MatchKeys],
    rule: DedupeRule,
    companies: bool = True,
    ids: Collection[int] = (),
) -> list[Candidate]:
    """The program's leads sharing a key with any of ``keys`` (external id, and the keys the
    rule names), in one query whatever their number: a capture asks for one inquiry's, an
    import chunk for all its rows' inside its transaction. Each kind of key is one parameter
    (an array on PostgreSQL, a JSON list on SQLite), so the statement's text is the same for
    a thousand keys as for one, and each kind is looked up through its index
    (``lead_program_email``, ``lead_program_phone``, ``lead_program_company_key``,
    ``lead_external_id_unique_per_source``). An import, which keeps the people of the
    companies it has seen (``imports.services.dedupe``), asks instead of the whole companies
    (``companies=False``) for the ``ids`` of the similar people it found."""
    external: dict[str, set[str]] = {}
    for k in keys:
        if k.external_id:
            external.setdefault(k.external_source, set()).add(k.external_id)
    wanted: dict[str, set[str]] = {}
    if rule.enabled:
        if MatchOn.EMAIL in rule.match_on:
            wanted["email"] = {k.email for k in keys if k.email}
        if MatchOn.PHONE in rule.match_on:
            wanted["phone"] = {k.phone for k in keys if k.phone}
        if MatchOn.COMPANY_AND_NAME in rule.match_on and companies:
            wanted["company_key"] = {k.company_key for k in keys if k.company_key and k.person_key}
    wanted = {column: values for column, values in wanted.items() if values}
    numbers = sorted(ids)
    if not wanted and not numbers and not external:
        return []
    postgres = connection.vendor == "postgresql"
    member = "= ANY(%s::text[])" if postgres else "IN (SELECT value FROM json_each(%s))"
    by_id = "= ANY(%s::bigint[])" if postgres else "IN (SELECT value FROM json_each(%s))"
    table = Lead._meta.db_table
    parts = [
        f"SELECT {_CANDIDATE_SQL} FROM {table} WHERE program_id = %s AND {column} {member}"
        for column in wanted
    ]
    params: list[Any] = []
    for values in wanted.values():
        params += [program.pk, sorted(values) if postgres else json.dumps(sorted(values))]
    for source, values in sorted(external.items()):  # by the index on (program, source, id)
        parts.append(
            f"SELECT {_CANDIDATE_SQL} FROM {table} WHERE program_id = %s "
            f"AND external_source = %s AND external_id {member}"
        )
        params += [program.pk, source, sorted(values) if postgres else json.dumps(sorted(values))]
    if numbers:
        parts.append(f"SELECT {_CANDIDATE_SQL} FROM {table} WHERE program_id = %s AND id {by_id}")
        params += [program.pk, numbers if postgres else json.dumps(numbers)]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(parts) + " ORDER BY 1", params)
        rows = cursor.fetchall()
    return _candidates(rows)


_CANDIDATE_COLUMNS = (
    "id", "email", "phone", "company_key", "person_key", "external_id", "external_source",
)  # fmt: skip
#: ``_inquiry_candidates``' query compiled once per set of keys present (``lib.compiled``).
_CANDIDATES: dict[Hashable, Compiled] = {}
_PROGRAM_MARKER = -918_273_646


def _inquiry_candidates(program: Program, keys: MatchKeys, rule: DedupeRule) -> list[Candidate]:
    """``dedupe_candidates`` for one inquiry (a capture), the same leads, from SQL compiled
    once per set of keys the inquiry has: a capture pays the database's answer, not the
    ORM's compilation of the query."""
    wanted: dict[str, str] = {}
    if keys.external_id:
        wanted["external_id"] = keys.external_id
    if rule.enabled:
        if keys.email and MatchOn.EMAIL in rule.match_on:
            wanted["email"] = keys.email
        if keys.phone and MatchOn.PHONE in rule.match_on:
            wanted["phone"] = keys.phone
        if keys.company_key and keys.person_key and MatchOn.COMPANY_AND_NAME in rule.match_on:
            wanted["company_key"] = keys.company_key
    if not wanted:
        return []
    shape = tuple(sorted(wanted))

    def build(*, program_id: int, **marked: str) -> QuerySet[Lead]:
        query = Q()
        for name in shape:
            if name == "external_id":  # an id is of its source: on (program, source, id)
                query |= Q(external_id=marked[name], external_source=marked["external_source"])
            else:
                query |= Q(**{name: marked[name]})
        return (
            Lead.objects.filter(program_id=program_id)
            .filter(query)
            .order_by("id")
            .values_list(*_CANDIDATE_COLUMNS)
        )

    markers = {"program_id": _PROGRAM_MARKER, **{name: f"capture-marker-{name}" for name in shape}}
    values = dict(wanted)
    if "external_id" in shape:
        markers["external_source"] = "capture-marker-external_source"
        values["external_source"] = keys.external_source
    rows = compiled_once(_CANDIDATES, shape, build, markers).run(program_id=program.pk, **values)
    return _candidates(rows)


_CANDIDATE_SQL = ", ".join(_CANDIDATE_COLUMNS)


def _candidates(rows: Iterable[Sequence[Any]]) -> list[Candidate]:
    """Rows of ``_CANDIDATE_COLUMNS`` as the core's candidates."""
    return [
        Candidate(
            id=row[0],
            keys=MatchKeys(
                email=row[1],
                phone=row[2],
                company_key=row[3],
                person_key=row[4],
                external_id=row[5] or "",
                external_source=row[6],
            ),
        )
        for row in rows
    ]


#: Advisory lock slots per program: a key's lock is one of them (a hash), so an import chunk
#: takes at most this many locks however many keys its rows have (PostgreSQL's lock table is
#: shared and small); two unrelated keys in one slot only wait for each other.
LOCK_SLOTS = 1024


def dedupe_lock(*, program: Program, keys: Iterable[MatchKeys], rule: DedupeRule) -> None:
    """Serialise the captures and import chunks that could match each other, so two concurrent
    inquiries of the same person make one lead. PostgreSQL: transaction-scoped advisory locks on
    the keys, taken in one statement in ascending order (no deadlock between a capture and a
    chunk); SQLite: its IMMEDIATE transactions already admit one writer at a time."""
    if connection.vendor != "postgresql":
        return
    ids = sorted({_lock_id(program, name) for k in keys for name in lock_names(k, rule)})
    if not ids:
        return
    # A capture's few locks (1 to 4) one parameter each, which the driver adapts faster than
    # a list; an import chunk's many as one array, so its statement stays short.
    few = len(ids) <= 8
    array = f"ARRAY[{', '.join(['%s'] * len(ids))}]::bigint[]" if few else "%s::bigint[]"
    params: list[Any] = list(ids) if few else [ids]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(pg_advisory_xact_lock(id)) FROM (SELECT id FROM unnest({array}) "
            "WITH ORDINALITY AS t(id, n) ORDER BY n) AS s",
            params,
        )


def lock_names(keys: MatchKeys, rule: DedupeRule) -> list[str]:
    """The names of the locks an inquiry takes: one per key it could be matched on."""
    names = [f"external:{keys.external_source}:{keys.external_id}"] if keys.external_id else []
    if keys.email and MatchOn.EMAIL in rule.match_on:
        names.append(f"email:{keys.email}")
    if keys.phone and MatchOn.PHONE in rule.match_on:
        names.append(f"phone:{keys.phone}")
    if keys.company_key and MatchOn.COMPANY_AND_NAME in rule.match_on:
        names.append(f"company:{keys.company_key}")
    return names


def _lock_id(program: Program, name: str) -> int:
    """The key's slot: a stable hash (the same in every process; CRC-32 spreads names evenly
    enough over 1,024 slots and costs a fifth of a cryptographic digest)."""
    return program.pk * LOCK_SLOTS + zlib.crc32(name.encode()) % LOCK_SLOTS


def _lock_keys(program: Program, prepared: Prepared, rule: DedupeRule) -> None:
    """A capture's locks (``dedupe_lock`` for its one inquiry)."""
    dedupe_lock(program=program, keys=[prepared.keys], rule=rule)

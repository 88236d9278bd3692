"""Idempotent API writes (DESIGN.md, "Non-functional": API writes accept an idempotency key).

A client that did not hear the answer to a write retries it with the same ``Idempotency-Key``
and gets the first answer again instead of a second lead. The key is claimed by inserting an
``IdempotencyRecord`` at the start of the write's own transaction (``INSERT … ON CONFLICT DO
NOTHING``: one statement, no savepoint): a concurrent retry blocks on the (user, key) unique
index until the first commits, then inserts nothing and replays the stored response; if the
first rolls back (the write was rejected), nothing was stored and the retry runs afresh. Keys
belong to a user, so two clients choosing the same key never meet.

A write whose caller has already looked the key up in its own first query (``idempotency_found``
beside the capture's program: ``POST /api/v1/leads``) runs the other way round, in fewer
statements: a key found is replayed at once; otherwise the write runs and its record is inserted
with the answer at the end of the same transaction (``INSERT … ON CONFLICT DO NOTHING``), or,
when the write knows its answer before its last statement (a merge into an existing lead: the
lead's id is known), as one more CTE of that statement (``KeyRecord``). A concurrent first use
of the key that committed meanwhile makes that insert a no-op: the write is rolled back and the
other's answer replayed, so one request still makes one change.

Records are kept for ``RETENTION`` (24 hours) and then may be purged (``idempotency_purge``,
run by ``leadflow idempotency_purge``); a retry after that is a new request.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Subquery
from django.http import JsonResponse
from ninja.params import HeaderEx, P

from leadflow.accounts.models import User
from leadflow.api.models import IdempotencyRecord
from leadflow.lib.rows import Joined

RETENTION = timedelta(hours=24)

#: The ``Idempotency-Key`` header of a write, as the API documents it.
IdempotencyKey = HeaderEx[
    str | None,
    P(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string (a UUID): a retry with the same key returns the first "
        "response and changes nothing; reused with another request it is a 422",
    ),
]

#: What a write returns: its HTTP status and its JSON body.
Answer = tuple[int, dict[str, Any]]


class IdempotencyConflict(Exception):
    """The key was already used for a different request (another body, method or path)."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(
            "this Idempotency-Key was already used for a different request; "
            "retry with the same request, or use a new key for a new request"
        )


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    replayed: bool


def request_fingerprint(*, method: str, path: str, payload: Any) -> str:
    """A digest of the request as parsed, so the same JSON sent with other whitespace or key
    order is the same request."""
    canonical = json.dumps(
        [method.upper(), path, payload], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class _Unread:
    """The caller did not look the key up (``idempotent_write``'s default)."""


UNREAD = _Unread()


class _TakenMeanwhile(Exception):
    """A concurrent first use of the key committed while this write ran."""


def idempotency_found(*, user_id: int, key: str) -> Subquery:
    """The id of the (user, key) record, or NULL: an expression for the caller's own first
    query, whose answer it passes to ``idempotent_write`` as ``found``."""
    return Subquery(IdempotencyRecord.objects.filter(user_id=user_id, key=key).values("pk")[:1])


class KeyRecord:
    """The record of a key not used yet, for a write that can insert it in its own last
    statement (``lib.rows.Joined``) rather than after it: ``joined(answer)`` is that insert,
    with the write's answer, and ``claimed`` says what it found (None: the write did not join
    it, and ``idempotent_write`` inserts it after the write)."""

    def __init__(self, claim: Callable[[Answer], tuple[str, list[Any]]]) -> None:
        self._claim = claim
        self.claimed: bool | None = None

    def joined(self, answer: Answer) -> Joined:
        sql, params = self._claim(answer)
        return Joined(sql, params, self._returned)

    def _returned(self, record_id: Any) -> None:
        self.claimed = record_id is not None


def idempotent_write(
    *,
    user: User,
    key: str | None,
    method: str,
    path: str,
    payload: Any,
    now: datetime,
    write: Callable[[], Answer],
    found: int | _Unread | None = UNREAD,
    write_joined: Callable[[KeyRecord | None], Answer] | None = None,
) -> Outcome:
    """Run ``write`` in one transaction, at most once per (user, key).

    Without a key the write simply runs. With a key already used for this very request the
    stored answer comes back (``replayed``); used for another request, IdempotencyConflict.
    ``found`` is the key's record id as the caller read it (``idempotency_found``), None when
    there was none: the write then runs first and the record is written with its answer.
    ``write_joined``, given with ``found``, runs instead of ``write`` and is handed the key's
    ``KeyRecord`` (None without a key), so that it may write the record in its own statement.
    """
    if key is None:
        with transaction.atomic():
            status, body = write_joined(None) if write_joined else write()
        return Outcome(status, body, replayed=False)
    fingerprint = request_fingerprint(method=method, path=path, payload=payload)
    if not isinstance(found, _Unread):
        return _write_then_record(
            user, key, method, path, fingerprint, now, write, found, write_joined
        )
    with transaction.atomic():
        record_id = _claim(user, key, method.upper(), path, fingerprint, now)
        if record_id is None:
            return _replay(IdempotencyRecord.objects.get(user=user, key=key), fingerprint)
        status, body = write()
        IdempotencyRecord.objects.filter(pk=record_id).update(status_code=status, response=body)
    return Outcome(status, body, replayed=False)


def _write_then_record(
    user: User,
    key: str,
    method: str,
    path: str,
    fingerprint: str,
    now: datetime,
    write: Callable[[], Answer],
    found: int | None,
    write_joined: Callable[[KeyRecord | None], Answer] | None,
) -> Outcome:
    if found is not None:
        return _replay(IdempotencyRecord.objects.get(pk=found), fingerprint)
    record = KeyRecord(
        lambda answer: _claim_statement(user, key, method, path, fingerprint, now, answer)
    )
    try:
        with transaction.atomic():
            status, body = write_joined(record) if write_joined else write()
            claimed = record.claimed
            if claimed is None:
                claimed = (
                    _claim(user, key, method, path, fingerprint, now, answer=(status, body))
                    is not None
                )
            if not claimed:
                raise _TakenMeanwhile
    except _TakenMeanwhile:
        return _replay(IdempotencyRecord.objects.get(user=user, key=key), fingerprint)
    return Outcome(status, body, replayed=False)


def _claim(
    user: User,
    key: str,
    method: str,
    path: str,
    fingerprint: str,
    now: datetime,
    answer: Answer = (0, {}),
) -> int | None:
    """Insert the key's record (with ``answer`` when the write has run) unless the (user, key)
    pair has one: its id, or None when the key was already used (waiting, on the unique
    index, for a concurrent first use to end)."""
    sql, values = _claim_statement(user, key, method, path, fingerprint, now, answer)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _claim_statement(
    user: User,
    key: str,
    method: str,
    path: str,
    fingerprint: str,
    now: datetime,
    answer: Answer,
) -> tuple[str, list[Any]]:
    """``_claim``'s statement: ``INSERT … ON CONFLICT DO NOTHING RETURNING id``."""
    meta = IdempotencyRecord._meta
    fields = {field.name: field for field in meta.concrete_fields}
    given: dict[str, Any] = {
        "user": user.pk,
        "key": key,
        "method": method,
        "path": path,
        "request_hash": fingerprint,
        "status_code": answer[0],
        "response": fields["response"].get_db_prep_save(answer[1], connection),
        "created_at": fields["created_at"].get_db_prep_save(now, connection),
    }
    quote = connection.ops.quote_name
    columns = ", ".join(quote(fields[name].column) for name in given)
    unique = f"{quote(fields['user'].column)}, {quote(fields['key'].column)}"
    values = list(given.values())
    return (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(values))}) "
        f"ON CONFLICT ({unique}) DO NOTHING RETURNING {quote(fields['id'].column)}",
        values,
    )


def outcome_response(outcome: Outcome) -> JsonResponse:
    """The write's answer, with keys sorted so that a replay (read back from a JSON column,
    which need not keep key order) is byte for byte the first answer."""
    response = JsonResponse(
        outcome.body, status=outcome.status, json_dumps_params={"sort_keys": True}
    )
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _replay(record: IdempotencyRecord, fingerprint: str) -> Outcome:
    if record.request_hash != fingerprint:
        raise IdempotencyConflict(record.key)
    return Outcome(record.status_code, record.response, replayed=True)


def idempotency_purge(*, now: datetime, older_than: timedelta = RETENTION) -> int:
    """Forget the answers older than ``older_than``; returns how many were removed."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - older_than).delete()
    return deleted

"""Reads of the intake: the public form's program, and the possible duplicates of the programs
a user may see (another scope's pair does not exist for them: 404)."""

import base64
import copy
import json
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from leadflow.accounts.models import User
from leadflow.api.idempotency import idempotency_found
from leadflow.core.criteria import QualifyingCriteria
from leadflow.intake.models import DuplicateStatus, PossibleDuplicate
from leadflow.leads.selectors.search import cursor_decode
from leadflow.lib.compiled import Compiled, compiled_once
from leadflow.programs.models import CriteriaStatus, CriteriaVersion, Program
from leadflow.programs.selectors import (
    PublishedCriteria,
    criteria_from_version,
    program_list,
    program_published_criteria,
)


def web_form_program(*, slug: str) -> Program:
    """The program whose public form is at ``slug``: active and with its web form switched on.
    Any other program raises ``Program.DoesNotExist``, so the public sees one 404 whether the
    program is unknown, closed or has no form."""
    return Program.objects.select_related("client").get(
        slug=slug, is_active=True, web_form_enabled=True
    )


def _capture_versions(
    *, user: User, slug: str, program_ids: list[int] | None, key: str | None
) -> QuerySet[CriteriaVersion]:
    """The newest published version of the program at ``slug`` if ``user`` (and the token's
    ``program_ids``) may capture into it, with its program and client, and the id of the
    user's record of the idempotency ``key``."""
    programs = program_list(user=user).filter(slug=slug)
    if program_ids is not None:
        programs = programs.filter(pk__in=program_ids)
    versions = CriteriaVersion.objects.filter(
        program__in=programs.values("pk"), status=CriteriaStatus.PUBLISHED
    )
    if key is not None:
        versions = versions.annotate(idempotency_found=idempotency_found(user_id=user.pk, key=key))
    return versions.select_related("program__client").order_by("-number")[:1]


#: ``_capture_versions`` compiled once per shape (``lib.compiled``): an API capture's scope
#: check costs the database's answer, not the ORM's compilation of three subqueries.
_CAPTURE_VERSIONS: dict[Hashable, Compiled] = {}
_USER_MARKER = -918_273_645
_SLUG_MARKER = "capture-compiled-slug-marker"
_KEY_MARKER = "capture-compiled-key-marker"


def capture_program(
    *,
    user: User,
    slug: str,
    program_ids: Iterable[int] | None = None,
    idempotency_key: str | None = None,
) -> tuple[Program, PublishedCriteria, int | None]:
    """The program an API capture is sent to, with its published criteria and the id of the
    caller's record of ``idempotency_key`` (None: not used yet), in one query;
    ``Program.DoesNotExist`` when it is outside the caller's scope (or the token's programs),
    as ``leads.selectors.search.api_program_get`` answers. A program without published
    criteria is read again the plain way, so that it fails as before."""
    narrowed = None if program_ids is None else sorted(program_ids)
    shape = (
        user.sees_everything,
        None if narrowed is None else len(narrowed),
        idempotency_key is not None,
    )
    markers: dict[str, Hashable] = {"slug": _SLUG_MARKER}
    if not user.sees_everything:
        markers["user"] = _USER_MARKER
    if idempotency_key is not None:
        markers["key"] = _KEY_MARKER
        markers["user"] = _USER_MARKER
    for position in range(len(narrowed or ())):
        markers[f"program_{position}"] = -1_000_001 - position

    def build(**marked: Any) -> QuerySet[CriteriaVersion]:
        template = copy.copy(user)
        template.pk = _USER_MARKER
        # Scopes prefetched for the real user would filter by its id, not by the marker.
        template.__dict__.pop("_prefetched_objects_cache", None)
        return _capture_versions(
            user=template,
            slug=marked["slug"],
            program_ids=None
            if narrowed is None
            else [marked[f"program_{n}"] for n in range(len(narrowed))],
            key=marked.get("key"),
        )

    values: dict[str, Any] = {"slug": slug, "user": user.pk, "key": idempotency_key}
    values.update({f"program_{n}": pk for n, pk in enumerate(narrowed or ())})
    found = compiled_once(_CAPTURE_VERSIONS, shape, build, markers).run(**values)
    if not found:
        program = program_list(user=user).filter(slug=slug)
        if narrowed is not None:
            program = program.filter(pk__in=narrowed)
        program_found = program.get()
        return program_found, program_published_criteria(program=program_found), None
    version = found[0]
    record = getattr(version, "idempotency_found", None)
    return version.program, PublishedCriteria(version, _criteria_of(version)), record


#: Published criteria read from their versions, by version id, with the spec they were read
#: from: a request compares the spec it fetched (a dictionary comparison) instead of validating
#: and compiling the criteria again; a version whose spec differs is read afresh.
_CRITERIA: dict[int, tuple[object, QualifyingCriteria]] = {}
_CRITERIA_KEPT = 256


def _criteria_of(version: CriteriaVersion) -> QualifyingCriteria:
    known = _CRITERIA.get(version.pk)
    if known is not None and known[0] == version.spec:
        return known[1]
    criteria = criteria_from_version(version)
    if len(_CRITERIA) >= _CRITERIA_KEPT:
        _CRITERIA.clear()
    _CRITERIA[version.pk] = (version.spec, criteria)
    return criteria


def duplicate_scope(
    *, user: User, program_ids: Iterable[int] | None = None
) -> QuerySet[PossibleDuplicate]:
    """Every possible duplicate of the user's programs (narrowed to ``program_ids`` for a token
    limited to some programs), with both leads."""
    pairs = PossibleDuplicate.objects.select_related(
        "program", "program__client", "lead", "other", "decided_by"
    )
    if not user.sees_everything:
        pairs = pairs.filter(program__in=program_list(user=user))
    return pairs if program_ids is None else pairs.filter(program_id__in=list(program_ids))


def duplicate_list(
    *,
    user: User,
    program: str | None = None,
    status: str | None = DuplicateStatus.OPEN,
    program_ids: Iterable[int] | None = None,
) -> QuerySet[PossibleDuplicate]:
    """The user's possible duplicates, newest first: of one program (its slug) or all, in one
    status (None: every status)."""
    pairs = duplicate_scope(user=user, program_ids=program_ids)
    if program is not None:
        pairs = pairs.filter(program__slug=program)
    if status is not None:
        pairs = pairs.filter(status=status)
    return pairs.order_by("-created_at", "-id")


def duplicate_get(
    *, user: User, duplicate_id: int, program_ids: Iterable[int] | None = None
) -> PossibleDuplicate:
    """One possible duplicate, or ``PossibleDuplicate.DoesNotExist`` out of scope (404)."""
    return duplicate_scope(user=user, program_ids=program_ids).get(pk=duplicate_id)


@dataclass(frozen=True)
class DuplicatePage:
    items: list[PossibleDuplicate]
    next_cursor: str | None


#: The API's one order of possible duplicates, newest first; its cursors read like the leads'.
DUPLICATE_ORDERING = "-created_at"


def duplicate_page(
    *,
    user: User,
    program: str | None = None,
    status: str | None = DuplicateStatus.OPEN,
    cursor: str | None = None,
    limit: int = 50,
    program_ids: Iterable[int] | None = None,
) -> DuplicatePage:
    """One page of ``duplicate_list`` after ``cursor`` (keyset on creation time and id, so pairs
    found while a client walks the pages never shift what it has yet to see). Raises
    ``InvalidCursor`` for a cursor this API did not issue."""
    pairs = duplicate_list(user=user, program=program, status=status, program_ids=program_ids)
    if cursor:
        created_at, last_id = cursor_decode(cursor, ordering=DUPLICATE_ORDERING)
        pairs = pairs.filter(
            Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=last_id)
        )
    rows = list(pairs[: limit + 1])
    if len(rows) <= limit:
        return DuplicatePage(items=rows, next_cursor=None)
    rows = rows[:limit]
    last = rows[-1]
    key = json.dumps(
        {"o": DUPLICATE_ORDERING, "k": [last.created_at.isoformat(), last.pk]},
        separators=(",", ":"),
    )
    return DuplicatePage(
        items=rows, next_cursor=base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")
    )

"""Reads of the intake: the public form's program, and the possible duplicates of the programs
a user may see (another scope's pair does not exist for them: 404)."""

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from leadflow.accounts.models import User
from leadflow.core.criteria import QualifyingCriteria
from leadflow.intake.models import DuplicateStatus, PossibleDuplicate
from leadflow.leads.selectors.search import cursor_decode
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


def capture_program(
    *, user: User, slug: str, program_ids: Iterable[int] | None = None
) -> tuple[Program, PublishedCriteria]:
    """The program an API capture is sent to, with its published criteria, in one query;
    ``Program.DoesNotExist`` when it is outside the caller's scope (or the token's programs),
    as ``leads.selectors.search.api_program_get`` answers. A program without published
    criteria is read again the plain way, so that it fails as before."""
    programs = program_list(user=user).filter(slug=slug)
    if program_ids is not None:
        programs = programs.filter(pk__in=list(program_ids))
    version = (
        CriteriaVersion.objects.filter(
            program__in=programs.values("pk"), status=CriteriaStatus.PUBLISHED
        )
        .select_related("program__client")
        .order_by("-number")
        .first()
    )
    if version is None:
        program = programs.get()
        return program, program_published_criteria(program=program)
    return version.program, PublishedCriteria(version, _criteria_of(version))


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

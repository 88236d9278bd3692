"""Personal API tokens: created (shown once), authenticated by hash, revoked.

A token is ``lf_`` followed by 32 random bytes in URL-safe base64. Only its SHA-256 is stored;
authentication looks the candidates up by prefix and compares digests in constant time.
"""

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Aggregate, OuterRef, QuerySet, Subquery, TextField

from leadflow.accounts.models import User
from leadflow.api.models import ApiToken
from leadflow.lib.compiled import Compiled
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list

TOKEN_PREFIX = "lf_"
PREFIX_LENGTH = 8
#: Far longer than any token we issue; longer input is rejected before hashing.
MAX_TOKEN_LENGTH = 200
#: ``last_used_at`` is refreshed at most this often, so busy clients do not write every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be created as asked (e.g. a program outside the user's scope)."""


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, user: User, name: str, programs: Iterable[Program] = (), now: datetime
) -> tuple[ApiToken, str]:
    """Issue a token; the returned plaintext is the only copy there will ever be."""
    name = name.strip()
    if not name:
        raise TokenError("a token needs a name")
    chosen = list(programs)
    visible = set(
        program_list(user=user).filter(pk__in=[p.pk for p in chosen]).values_list("pk", flat=True)
    )
    outside = [p.slug for p in chosen if p.pk not in visible]
    if outside:
        raise TokenError(f"programs outside {user.get_username()}'s scope: {', '.join(outside)}")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=raw[:PREFIX_LENGTH],
        token_hash=token_hash(raw),
        created_at=now,
    )
    if chosen:
        token.programs.set(chosen)
    return token, raw


def token_revoke(*, token: ApiToken, user: User, now: datetime) -> ApiToken:
    """Revoke a token of ``user`` (revoking twice keeps the first time). A token of someone
    else is ``ApiToken.DoesNotExist``, as if it did not exist."""
    ApiToken.objects.filter(pk=token.pk, user=user, revoked_at__isnull=True).update(revoked_at=now)
    return ApiToken.objects.get(pk=token.pk, user=user)


class _Joined(Aggregate):
    """The values of a column joined into one text, comma-separated (SQLite's GROUP_CONCAT,
    PostgreSQL's STRING_AGG)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s((%(expressions)s)::text, ',')",
            **extra,
        )


def _joined(queryset: QuerySet[Any], group: str, column: str) -> Subquery:
    return Subquery(
        queryset.order_by().values(group).annotate(joined=_Joined(column)).values("joined")
    )


def _token_candidates(*, prefix: str) -> QuerySet[ApiToken]:
    """The active tokens of active users with this prefix, with their user, the user's roles
    and the programs each token is narrowed to."""
    memberships = User.groups.through.objects.filter(user_id=OuterRef("user_id"))
    narrowing = ApiToken.programs.through.objects.filter(apitoken_id=OuterRef("pk"))
    return (
        ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .annotate(
            role_names=_joined(memberships, "user_id", "group__name"),
            narrowed_to=_joined(narrowing, "apitoken_id", "program_id"),
        )
    )


class _TokenLookup:
    """``_token_candidates`` compiled once (``lib.compiled``): every API request asks it."""

    compiled: Compiled | None = None

    def run(self, *, prefix: str) -> list[ApiToken]:
        if self.compiled is None:
            self.compiled = Compiled(_token_candidates, prefix="lf-compiled-prefix-marker")
        return self.compiled.run(prefix=prefix)


_TOKEN_LOOKUP = _TokenLookup()


def token_authenticate(raw: str, *, now: datetime | None = None) -> ApiToken | None:
    """The active token whose hash matches ``raw`` and whose user is active, else None.

    One query answers who is calling: the token, its user, the user's roles (kept on the user,
    so that permission checks ask nothing more) and the programs the token is narrowed to
    (``token_programs``). With ``now``, the token's ``last_used_at`` is refreshed (at most once
    a minute)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > MAX_TOKEN_LENGTH or not raw.isascii():
        return None
    digest = token_hash(raw)
    candidates = _TOKEN_LOOKUP.run(prefix=raw[:PREFIX_LENGTH])
    found = None
    for candidate in candidates:
        if hmac.compare_digest(candidate.token_hash, digest):
            found = candidate
    if found is None:
        return None
    roles: str | None = getattr(found, "role_names", None)
    found.user._role_names = frozenset(roles.split(",") if roles else ())
    narrowed: str | None = getattr(found, "narrowed_to", None)
    found.token_programs = (
        frozenset(int(pk) for pk in narrowed.split(",")) if narrowed else frozenset()
    )
    if now is not None and (
        found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION
    ):
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found


def token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first, with the programs they are narrowed to."""
    return ApiToken.objects.filter(user=user).prefetch_related("programs")


def token_get(*, user: User, token_id: int) -> ApiToken:
    """One of the user's tokens, or ApiToken.DoesNotExist (another user's token is a 404)."""
    return token_list(user=user).get(pk=token_id)


def token_get_by_prefix(*, prefix: str) -> ApiToken:
    """The one token with this prefix (for the CLI); ApiToken.DoesNotExist or
    ApiToken.MultipleObjectsReturned when the prefix names none or several."""
    return ApiToken.objects.select_related("user").get(prefix=prefix)

"""Writes for users, roles and scopes, and for their two-step sign-in."""

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum

import pyotp
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone as django_timezone

from leadflow.accounts.models import (
    AdminChange,
    Authenticator,
    ChangeKind,
    RecoveryCode,
    Role,
    Scope,
    User,
)
from leadflow.accounts.selectors import timezone_valid
from leadflow.core.errors import InputError

logger = logging.getLogger(__name__)

#: A client or program as a model instance or its id: accounts sits below programs and names
#: neither model (``Scope`` refers to them by string).
ScopeTarget = models.Model | int


def roles_ensure() -> None:
    """Every role of DESIGN.md exists as a group."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    roles: Iterable[str] = (),
    clients: Iterable[ScopeTarget] = (),
    programs: Iterable[ScopeTarget] = (),
    is_superuser: bool = False,
) -> User:
    """Create a user with roles and scope in one step; the admin role also opens the admin.
    ``clients`` and ``programs`` are the clients and programs the user sees (instances or ids)."""
    role_list = [Role(role) for role in roles]
    # The admin role manages users, roles, clients and programs: all of the Django admin.
    is_superuser = is_superuser or Role.ADMIN in role_list
    staff = is_superuser
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_superuser=is_superuser,
        is_staff=staff,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    user_set_roles(user=user, roles=role_list)
    Scope.objects.bulk_create(
        [Scope(user=user, client_id=_scope_pk("client", client)) for client in clients]
        + [Scope(user=user, program_id=_scope_pk("program", program)) for program in programs]
    )
    return user


def user_set_roles(*, user: User, roles: Iterable[str]) -> None:
    roles_ensure()
    user.groups.set(Group.objects.filter(name__in=[Role(role).value for role in roles]))
    user.__dict__.pop("_role_names", None)


def _scope_pk(field: str, target: ScopeTarget) -> int:
    """The id of ``target`` for ``Scope.<field>``; an instance of another model (a program
    given as a client) is refused rather than read as an id of the wrong table."""
    if isinstance(target, int):
        return target
    model = Scope._meta.get_field(field).related_model
    if not isinstance(target, model):  # type: ignore[arg-type]
        raise TypeError(f"a scope's {field} must be a {model}, not {type(target).__name__}")
    return int(target.pk)


# --- two-step sign-in (DECISIONS.md, "Two-step sign-in") ------------------------------------

#: Codes of the step before and after the server's are accepted too (±30 seconds of clock drift).
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
#: Recovery codes: 12 characters of an alphabet without look-alikes (0/o, 1/l/i): ~59 bits.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 12


class TwoStepRefused(Exception):
    """A code that is wrong, already used, or not wanted here; the message says which in plain
    words."""


class CodeKind(StrEnum):
    APP = "app"
    RECOVERY = "recovery"


@dataclass(frozen=True)
class Enrolment:
    """A confirmed authenticator and its recovery codes, in clear this once only."""

    authenticator: Authenticator
    recovery_codes: list[str]


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code ``code`` is, within the window around ``now``; None if none."""
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return current + offset
    return None


def _recovery_hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{_normalise(code)}".encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def _use_step(authenticator: Authenticator, step: int) -> bool:
    """Record ``step`` as used unless it or a later one was: one conditional UPDATE, so two
    requests racing with the same code cannot both pass."""
    unused = models.Q(last_used_step__isnull=True) | models.Q(last_used_step__lt=step)
    updated = Authenticator.objects.filter(unused, pk=authenticator.pk).update(last_used_step=step)
    if updated:
        authenticator.last_used_step = step
    return bool(updated)


def _check_app_code(authenticator: Authenticator, code: str, now: datetime) -> None:
    step = _matching_step(authenticator.secret, code, now)
    if step is None:
        raise TwoStepRefused("That code is not right. Use the code your app shows now.")
    if not _use_step(authenticator, step):
        raise TwoStepRefused("That code was already used. Wait for the next one.")


def authenticator_begin(*, user: User, now: datetime) -> Authenticator:
    """The authenticator being set up for ``user``: a new secret, or the one already shown if
    they reload the page. A confirmed one is returned as it is."""
    authenticator, _ = Authenticator.objects.get_or_create(
        user=user, defaults={"secret": pyotp.random_base32(), "created_at": now}
    )
    return authenticator


@transaction.atomic
def authenticator_confirm(*, user: User, code: str, now: datetime) -> Enrolment:
    """Turn two-step sign-in on with a current code from the app, and make the recovery
    codes; the caller shows them once, only their hashes are kept."""
    authenticator = Authenticator.objects.select_for_update().filter(user=user).first()
    if authenticator is None:
        raise TwoStepRefused("Start again: open the two-step sign-in page.")
    if authenticator.confirmed_at is not None:
        raise TwoStepRefused("Two-step sign-in is already on.")
    _check_app_code(authenticator, code, now)
    authenticator.confirmed_at = now
    authenticator.save(update_fields=["confirmed_at"])
    codes = _recovery_codes_replace(authenticator)
    logger.info("two-step sign-in turned on for %s", user.get_username())
    return Enrolment(authenticator=authenticator, recovery_codes=codes)


def _recovery_codes_replace(authenticator: Authenticator) -> list[str]:
    authenticator.recovery_codes.all().delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    salts = [secrets.token_hex(16) for _ in codes]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(authenticator=authenticator, salt=salt, code_hash=_recovery_hash(salt, code))
        for salt, code in zip(salts, codes, strict=True)
    )
    return codes


def two_step_verify(*, user: User, code: str, now: datetime) -> CodeKind:
    """The second step of signing in: a current code from the app (never one already used) or
    an unused recovery code, which is then used up. Raises ``TwoStepRefused`` otherwise."""
    authenticator = Authenticator.objects.filter(user=user, confirmed_at__isnull=False).first()
    if authenticator is None:
        raise TwoStepRefused("Two-step sign-in is not on for this account.")
    normalised = _normalise(code)
    if len(normalised) == 6 and normalised.isdigit():
        _check_app_code(authenticator, normalised, now)
        return CodeKind.APP
    for recovery in authenticator.recovery_codes.filter(used_at__isnull=True):
        if hmac.compare_digest(recovery.code_hash, _recovery_hash(recovery.salt, normalised)):
            used = RecoveryCode.objects.filter(pk=recovery.pk, used_at__isnull=True).update(
                used_at=now
            )
            if used:
                logger.info("recovery code used by %s", user.get_username())
                return CodeKind.RECOVERY
    raise TwoStepRefused("That code is not right. Use the code your app shows now.")


def authenticator_remove(*, user: User, code: str = "", password: str = "", now: datetime) -> None:
    """Turn two-step sign-in off, proven by a current code from the app or the password."""
    authenticator = Authenticator.objects.filter(user=user, confirmed_at__isnull=False).first()
    if authenticator is None:
        raise TwoStepRefused("Two-step sign-in is not on.")
    if code.strip():
        _check_app_code(authenticator, code, now)
    elif not (password and user.check_password(password)):
        raise TwoStepRefused("Give a current code from your app or your password.")
    authenticator.delete()
    logger.info("two-step sign-in turned off by %s", user.get_username())


def authenticator_reset(*, user: User, by: User) -> bool:
    """An admin takes away another user's two-step sign-in (a lost phone); they sign in with
    their password alone until they set it up again. True if there was one to take away."""
    deleted, _ = Authenticator.objects.filter(user=user).delete()
    if deleted:
        logger.info("two-step sign-in of %s reset by %s", user.get_username(), by.get_username())
    return bool(deleted)


# --- managing users in the app's own pages (issue 17, item 9) -------------------------------


@transaction.atomic
def user_update(
    *,
    user: User,
    by: User,
    email: str,
    first_name: str,
    last_name: str,
    roles: Iterable[str],
    clients: Iterable[ScopeTarget],
    programs: Iterable[ScopeTarget],
) -> User:
    """Change a user's name, e-mail, roles and scope in one step; the scope rows are replaced.
    The admin role carries the Django admin with it (as in ``user_create``): granting it makes
    the user a superuser, taking it away ends that. Who may grant what is the caller's check."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    role_list = [Role(role) for role in roles]
    before = (sorted(locked.role_names), _scope_names(locked))
    locked.email = email
    locked.first_name = first_name
    locked.last_name = last_name
    locked.is_superuser = locked.is_staff = Role.ADMIN in role_list
    locked.save(update_fields=["email", "first_name", "last_name", "is_superuser", "is_staff"])
    user_set_roles(user=locked, roles=role_list)
    locked.scopes.all().delete()
    Scope.objects.bulk_create(
        [Scope(user=locked, client_id=_scope_pk("client", client)) for client in clients]
        + [Scope(user=locked, program_id=_scope_pk("program", program)) for program in programs]
    )
    after = (sorted(r.value for r in role_list), _scope_names(locked))
    if before != after:
        logger.info(
            "user %s changed by %s: roles %s → %s, scope %s → %s",
            locked.get_username(),
            by.get_username(),
            before[0],
            after[0],
            before[1],
            after[1],
        )
    return locked


def _scope_names(user: User) -> list[str]:
    return sorted(
        f"client:{client}" if client else f"program:{program}"
        for client, program in Scope.objects.filter(user=user).values_list(
            "client_id", "program_id"
        )
    )


def user_set_active(*, user: User, by: User, active: bool) -> User:
    """Deactivate a user (they can no longer sign in; their history stays, naming them) or
    bring them back. Nobody deactivates themselves: an admin locked out by their own hand
    would need the command line to get back in."""
    if user.pk == by.pk and not active:
        raise ValueError("You cannot deactivate yourself.")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active != active:
            locked.is_active = active
            locked.save(update_fields=["is_active"])
            logger.info(
                "user %s %s by %s",
                locked.get_username(),
                "reactivated" if active else "deactivated",
                by.get_username(),
            )
    return locked


def user_timezone_set(*, user: User, timezone: str) -> User:
    """Set the zone the person reads times in; empty goes back to the default (their clients'
    zone, else the site's). An unknown zone is refused and nothing changes."""
    name = timezone.strip()
    if name and not timezone_valid(name):
        raise InputError("timezone", f"“{name}” is not a time zone (choose one from the list)")
    user.timezone = name
    user.save(update_fields=["timezone"])
    return user


# --- the history of admin changes (issue 17, item 9) ----------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field of an admin change, in words: its label and its value before and after."""

    label: str
    before: str
    after: str


def field_changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[FieldChange]:
    """The fields whose words differ between two descriptions of an object (label → value in
    words), in the order of ``before`` and then of ``after``; a missing label reads "none"."""
    labels = dict.fromkeys([*before, *after])
    return [
        FieldChange(label, before.get(label) or "none", after.get(label) or "none")
        for label in labels
        if (before.get(label) or "none") != (after.get(label) or "none")
    ]


def change_summary(changes: Sequence[FieldChange], *, of: str) -> str:
    """ "Changed the roles and the programs they see of ada." for the changes' labels."""
    labels = [change.label[:1].lower() + change.label[1:] for change in changes]
    listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return f"Changed the {listed} of {of}."


def admin_change_record(
    *,
    by: User,
    kind: ChangeKind | str,
    object_id: int,
    object_label: str,
    before: Mapping[str, str] | None = None,
    after: Mapping[str, str] | None = None,
    summary: str = "",
    always: bool = False,
    now: datetime | None = None,
) -> AdminChange | None:
    """Write one entry of the admin changes' history: the fields whose words differ between
    ``before`` and ``after`` (label → value in words), and ``summary`` (by default "Changed the
    … of <object>."). Nothing is written when no field changed, unless ``always`` (a step that
    changes no field, such as a password link). The service making the change calls it inside
    its own transaction, so the change and its entry commit together or not at all. Values are
    words, never secrets."""
    changes = field_changes(before or {}, after or {})
    if not changes and not always:
        return None
    return AdminChange.objects.create(
        at=now or django_timezone.now(),
        by=by,
        kind=ChangeKind(kind),
        object_id=object_id,
        object_label=object_label[:300],
        summary=(summary or change_summary(changes, of=object_label))[:500],
        changes=[asdict(change) for change in changes],
    )

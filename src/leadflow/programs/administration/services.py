"""Writes of the administration pages: a user created or changed by an admin or a sales
manager, checked against what the person doing it may grant (``selectors.grantable_roles``,
``managed_programs``, ``managed_clients``), then written by the accounts services in one
transaction, so a refused change writes nothing; and a program's settings. Each change that
changes something leaves one entry in the admin changes' history (``admin_change_record``), in
words, in the same transaction."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from leadflow.accounts.models import ChangeKind, Role, User
from leadflow.accounts.services import (
    admin_change_record,
    user_create,
    user_set_active,
    user_update,
)
from leadflow.core.errors import InputError
from leadflow.programs.administration.selectors import (
    grantable_roles,
    managed_clients,
    managed_programs,
)
from leadflow.programs.models import Client, HandOffMode, Program
from leadflow.programs.services import program_change_record

#: Roles whose scope is not a client or program: an admin sees everything, a partner's user
#: sees what is assigned to its partner (set on the partner's page).
_NO_SCOPE_NEEDED = frozenset({Role.ADMIN, Role.PARTNER})


def _check(
    *,
    by: User,
    email: str,
    roles: Sequence[str],
    clients: Sequence[Client],
    programs: Sequence[Program],
) -> list[Role]:
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InputError("email", "Enter an e-mail address such as ada@acme.example.") from None
    role_list = [Role(role) for role in roles]
    if not role_list:
        raise InputError("roles", "Give the user at least one role.")
    allowed = set(grantable_roles(by=by))
    refused = [role.label for role in role_list if role not in allowed]
    if refused:
        raise InputError("roles", f"You may not give the role {', '.join(refused)}.")
    client_ids = set(managed_clients(by=by).values_list("pk", flat=True))
    if any(client.pk not in client_ids for client in clients):
        raise InputError("clients", "You may only give clients you manage as a whole.")
    program_ids = set(managed_programs(by=by).values_list("pk", flat=True))
    if any(program.pk not in program_ids for program in programs):
        raise InputError("programs", "You may only give programs of your own scope.")
    # A manager's users are the users of their programs: whoever they create has a scope
    # inside it, or the manager could not find them again.
    needs_scope = not by.sees_everything or not _NO_SCOPE_NEEDED.intersection(role_list)
    if not (clients or programs) and needs_scope:
        raise InputError(
            "programs", "Choose the programs or clients this user works on: they see only those."
        )
    if Role.CLIENT in role_list and not clients:
        raise InputError("clients", "A client contact needs their client.")
    return role_list


@transaction.atomic
def user_admin_create(
    *,
    by: User,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    roles: Sequence[str],
    clients: Sequence[Client],
    programs: Sequence[Program],
) -> User:
    """A new user with roles and scope and no password: they choose one through the link the
    person who created them passes on (``password_link``)."""
    username = username.strip()
    if not username:
        raise InputError("username", "Give the user a sign-in name.")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise InputError(
            "username", "Use letters, digits and @ . + - _ only in a sign-in name (no spaces)."
        ) from None
    if User.objects.filter(username__iexact=username).exists():
        raise InputError("username", f"The sign-in name “{username}” is taken.")
    role_list = _check(by=by, email=email, roles=roles, clients=clients, programs=programs)
    user = user_create(
        username=username,
        password=None,
        email=email,
        first_name=first_name,
        last_name=last_name,
        roles=role_list,
        clients=clients,
        programs=programs,
    )
    words = user_words(user)
    _user_record(
        by,
        user,
        after=words,
        summary=f"Created {user.username} as {words['Roles']}.",
    )
    return user


@transaction.atomic
def user_admin_update(
    *,
    by: User,
    user: User,
    email: str,
    first_name: str,
    last_name: str,
    roles: Sequence[str],
    clients: Sequence[Client],
    programs: Sequence[Program],
) -> User:
    """Change a user ``by`` may manage (the caller found them through ``user_admin_get``)."""
    role_list = _check(by=by, email=email, roles=roles, clients=clients, programs=programs)
    current = {Role(r) for r in user.role_names} | ({Role.ADMIN} if user.is_superuser else set())
    if user.pk == by.pk and set(role_list) != current:
        raise InputError("roles", "You cannot change your own roles; ask another admin.")
    before = user_words(User.objects.select_for_update().get(pk=user.pk))
    updated = user_update(
        user=user,
        by=by,
        email=email,
        first_name=first_name,
        last_name=last_name,
        roles=role_list,
        clients=clients,
        programs=programs,
    )
    _user_record(
        by,
        updated,
        before=before,
        after=user_words(updated),
    )
    return updated


def _user_record(by: User, user: User, **entry: Any) -> None:
    """One entry of the history of ``user`` (``admin_change_record``'s ``before``, ``after``,
    ``summary``, ``always``)."""
    admin_change_record(
        by=by, kind=ChangeKind.USER, object_id=user.pk, object_label=user.username, **entry
    )


def user_words(user: User) -> dict[str, str]:
    """What the users pages show of a person, label → value in words, for the history."""
    programs = Program.objects.filter(pk__in=user.scopes.values("program_id")).select_related(
        "client"
    )
    clients = Client.objects.filter(pk__in=user.scopes.values("client_id"))
    names = set(user.groups.values_list("name", flat=True))
    roles = [
        role.label
        for role in Role
        if role.value in names or (role == Role.ADMIN and user.is_superuser)
    ]
    return {
        "First name": user.first_name,
        "Last name": user.last_name,
        "E-mail": user.email,
        "Roles": ", ".join(roles),
        "Programs they see": "; ".join(
            sorted(f"{program.client.name}: {program.name}" for program in programs)
        ),
        "Whole clients they see": "; ".join(sorted(client.name for client in clients)),
    }


@transaction.atomic
def user_admin_set_active(*, by: User, user: User, active: bool) -> User:
    """Deactivate (or bring back) a user ``by`` may manage; their history is kept."""
    was_active = (
        User.objects.select_for_update().values_list("is_active", flat=True).get(pk=user.pk)
    )
    try:
        updated = user_set_active(user=user, by=by, active=active)
    except ValueError as exc:
        raise InputError("", str(exc)) from exc
    _user_record(
        by,
        updated,
        before={"Signing in": _on_off(was_active)},
        after={"Signing in": _on_off(updated.is_active)},
        summary=f"{'Reactivated' if active else 'Deactivated'} {updated.username}.",
    )
    return updated


@transaction.atomic
def user_password_reset(*, by: User, user: User) -> tuple[str, str]:
    """A link for the user to choose a new password (its ``uidb64`` and ``token``), recorded
    in the history as a password reset; the link itself is never recorded."""
    _user_record(
        by,
        user,
        summary=f"Made a password reset link for {user.username}.",
        always=True,
    )
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


def _day_words(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _on_off(value: bool) -> str:
    return "on" if value else "off"


@transaction.atomic
def program_settings_save(
    *,
    by: User,
    program: Program,
    hand_off_mode: str,
    closure_days: Sequence[str],
    queue_by_probability: bool | None = None,
) -> Program:
    """Store the program's hand-off mode, closure days and queue order, as its managers set
    them on the program's settings page. New approvals follow the new mode; leads already
    delivered or routed stay where they are. New SLA clocks skip the closure days; running
    clocks keep their deadlines. ``queue_by_probability`` (None: unchanged) orders the queue
    within a rating by the predicted chance of converting."""
    if hand_off_mode not in HandOffMode.values:
        raise InputError("hand_off_mode", "Choose how the program hands its leads off.")
    locked = Program.objects.select_for_update().get(pk=program.pk)
    before = _settings_words(locked)
    locked.hand_off_mode = hand_off_mode
    locked.closure_days = sorted(set(closure_days))
    if queue_by_probability is not None:
        locked.queue_by_probability = queue_by_probability
    locked.save(update_fields=["hand_off_mode", "closure_days", "queue_by_probability"])
    program_change_record(by=by, program=locked, before=before, after=_settings_words(locked))
    return locked


def _settings_words(program: Program) -> dict[str, str]:
    return {
        "Hand-off": HandOffMode(program.hand_off_mode).label,
        "Closure days": ", ".join(
            _day_words(date.fromisoformat(day)) for day in sorted(program.closure_days or ())
        ),
        "Queue within a rating": "by predicted chance, then score"
        if program.queue_by_probability
        else "by score",
    }

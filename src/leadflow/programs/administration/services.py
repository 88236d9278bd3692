"""Writes of the administration pages: a user created or changed by an admin or a sales
manager, checked against what the person doing it may grant (``selectors.grantable_roles``,
``managed_programs``, ``managed_clients``), then written by the accounts services in one
transaction, so a refused change writes nothing."""

import logging
from collections.abc import Sequence

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from leadflow.accounts.models import Role, User
from leadflow.accounts.services import user_create, user_set_active, user_update
from leadflow.core.errors import InputError
from leadflow.programs.administration.selectors import (
    grantable_roles,
    managed_clients,
    managed_programs,
)
from leadflow.programs.models import Client, HandOffMode, Program

logger = logging.getLogger(__name__)

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
    return user_create(
        username=username,
        password=None,
        email=email,
        first_name=first_name,
        last_name=last_name,
        roles=role_list,
        clients=clients,
        programs=programs,
    )


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
    return user_update(
        user=user,
        by=by,
        email=email,
        first_name=first_name,
        last_name=last_name,
        roles=role_list,
        clients=clients,
        programs=programs,
    )


def user_admin_set_active(*, by: User, user: User, active: bool) -> User:
    """Deactivate (or bring back) a user ``by`` may manage; their history is kept."""
    try:
        return user_set_active(user=user, by=by, active=active)
    except ValueError as exc:
        raise InputError("", str(exc)) from exc


@transaction.atomic
def program_settings_save(
    *, by: User, program: Program, hand_off_mode: str, closure_days: Sequence[str]
) -> Program:
    """Store the program's hand-off mode and closure days, as its managers set them on the
    program's settings page. New approvals follow the new mode; leads already delivered or
    routed stay where they are. New SLA clocks skip the closure days; running clocks keep
    their deadlines."""
    if hand_off_mode not in HandOffMode.values:
        raise InputError("hand_off_mode", "Choose how the program hands its leads off.")
    locked = Program.objects.select_for_update().get(pk=program.pk)
    before = (locked.hand_off_mode, list(locked.closure_days))
    locked.hand_off_mode = hand_off_mode
    locked.closure_days = sorted(set(closure_days))
    locked.save(update_fields=["hand_off_mode", "closure_days"])
    if before != (locked.hand_off_mode, locked.closure_days):
        logger.info(
            "program %s settings changed by %s: hand-off %s → %s, closure days %s → %s",
            locked.slug,
            by.get_username(),
            before[0],
            locked.hand_off_mode,
            before[1],
            locked.closure_days,
        )
    return locked

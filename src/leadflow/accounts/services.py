"""Writes for users, roles and scopes."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import models, transaction

from leadflow.accounts.models import Role, Scope, User

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

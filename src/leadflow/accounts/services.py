"""Writes for users, roles and scopes."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from leadflow.accounts.models import Role, Scope, User
from leadflow.programs.models import Client, Program


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
    clients: Iterable[Client] = (),
    programs: Iterable[Program] = (),
    is_superuser: bool = False,
) -> User:
    """Create a user with roles and scope in one step; the admin role also opens the admin."""
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
        [Scope(user=user, client=client) for client in clients]
        + [Scope(user=user, program=program) for program in programs]
    )
    return user


def user_set_roles(*, user: User, roles: Iterable[str]) -> None:
    roles_ensure()
    user.groups.set(Group.objects.filter(name__in=[Role(role).value for role in roles]))
    user.__dict__.pop("_role_names", None)

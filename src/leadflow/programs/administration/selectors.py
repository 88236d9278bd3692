"""Reads for the administration pages: the users a person may manage, and what they may grant.

An admin manages everyone. A sales manager manages the users of their own programs: users
whose every scope row lies inside the manager's scope (a program the manager sees, or a whole
client the manager has as a whole), who are not admins; anybody else is not found (404). A
user without any scope (a new partner's user, an admin) is an admin's to manage.
"""

from functools import cache
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string

from leadflow.accounts.models import AdminChange, ChangeKind, Role, Scope, User
from leadflow.config import administration as registry
from leadflow.programs.models import Client, Program
from leadflow.programs.selectors import program_list


def grantable_roles(*, by: User) -> list[Role]:
    """The roles ``by`` may give: an admin every role, a sales manager every role but admin."""
    if by.sees_everything:
        return list(Role)
    if by.has_role(Role.MANAGER):
        return [role for role in Role if role != Role.ADMIN]
    return []


def managed_programs(*, by: User) -> QuerySet[Program]:
    """The programs ``by`` may put in a user's scope: the programs of their own scope."""
    return program_list(user=by).order_by("client__name", "name")


def managed_clients(*, by: User) -> QuerySet[Client]:
    """The clients ``by`` may give as a whole: every client for admins, else the clients the
    manager has as a whole themselves."""
    if by.sees_everything:
        return Client.objects.order_by("name")
    own = Scope.objects.filter(user=by, client__isnull=False).values("client_id")
    return Client.objects.filter(pk__in=own).order_by("name")


def user_admin_list(*, by: User, query: str = "", include_inactive: bool = True) -> QuerySet[User]:
    """The users ``by`` may manage, by name; ``query`` matches username, name or e-mail."""
    users = User.objects.order_by("username").prefetch_related("groups")
    if not by.sees_everything:
        programs = managed_programs(by=by).values("pk")
        clients = managed_clients(by=by).values("pk")
        outside = Scope.objects.filter(
            Q(program__isnull=False) & ~Q(program_id__in=programs)
            | Q(client__isnull=False) & ~Q(client_id__in=clients)
        ).values("user_id")
        users = (
            users.filter(pk__in=Scope.objects.values("user_id"), is_superuser=False)
            .exclude(groups__name=Role.ADMIN)
            .exclude(pk__in=outside)
        )
    if not include_inactive:
        users = users.filter(is_active=True)
    for word in query.split():
        users = users.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    return users


def user_admin_get(*, by: User, user_id: int) -> User:
    """One user ``by`` may manage; anyone else does not exist for them (404)."""
    return user_admin_list(by=by).get(pk=user_id)


def user_scope(*, user: User) -> tuple[list[Client], list[Program]]:
    """The clients and programs a user sees, for their page."""
    clients = list(Client.objects.filter(pk__in=user.scopes.values("client_id")).order_by("name"))
    programs = list(
        Program.objects.filter(pk__in=user.scopes.values("program_id"))
        .select_related("client")
        .order_by("client__name", "name")
    )
    return clients, programs


@cache
def _registered(path: str) -> Any:
    return import_string(path)


def admin_change_list(
    *, by: User, kind: str = "", object_id: int | None = None, actor_id: int | None = None
) -> QuerySet[AdminChange]:
    """The admin changes ``by`` may read, newest first. An admin reads them all; anyone else
    the changes of the objects they may open on the admin pages: users they manage
    (``user_admin_list``), programs of their scope and those programs' clients
    (``program_list``), and what the apps above say through ``config/administration.py``
    ``CHANGE_SCOPES`` (a partner: ``partner_list``)."""
    changes = AdminChange.objects.select_related("by").order_by("-at", "-pk")
    if not by.sees_everything:
        programs = program_list(user=by)
        visible = (
            Q(kind=ChangeKind.USER, object_id__in=user_admin_list(by=by).values("pk"))
            | Q(kind=ChangeKind.PROGRAM, object_id__in=programs.values("pk"))
            | Q(kind=ChangeKind.CLIENT, object_id__in=programs.values("client_id"))
        )
        for scoped_kind, path in registry.CHANGE_SCOPES.items():
            visible |= Q(kind=scoped_kind, object_id__in=_registered(path)(user=by))
        changes = changes.filter(visible)
    if kind:
        changes = changes.filter(kind=kind)
    if object_id is not None:
        changes = changes.filter(object_id=object_id)
    if actor_id is not None:
        changes = changes.filter(by_id=actor_id)
    return changes


def admin_change_actors(*, by: User) -> QuerySet[User]:
    """The people who made the changes ``by`` may read, for the history page's filter."""
    return User.objects.filter(pk__in=admin_change_list(by=by).order_by().values("by_id")).order_by(
        "username"
    )

"""The users pages: the users one may manage, a new user, a user's page with their roles and
scope, changing them, deactivating and reactivating, and a link to choose a password; and the
change history of the admin pages.

Admins and sales managers (``Capability.USERS_MANAGE``; 403 for other roles); a user outside
the manager's programs is 404 (``user_admin_get``). Every write goes through the services of
``administration.services``, which refuse what the person may not grant with a message beside
the field, and write nothing then.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.models import ChangeKind, Role, User
from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.core.errors import InputError
from leadflow.lib.forms import form_page, form_save
from leadflow.programs.administration.display import change_links, user_page_panels
from leadflow.programs.administration.forms import ProgramSettingsForm, UserForm
from leadflow.programs.administration.selectors import (
    admin_change_actors,
    admin_change_list,
    user_admin_get,
    user_admin_list,
    user_scope,
)
from leadflow.programs.administration.services import (
    program_settings_save,
    user_admin_create,
    user_admin_set_active,
    user_admin_update,
    user_password_reset,
)
from leadflow.programs.selectors import program_get

PAGE_SIZE = 50
USER_FORM = "programs/admin/user_form.html"

users_required = capability_required(
    Capability.USERS_MANAGE, "Only admins and sales managers manage users."
)


@users_required
@require_GET
def user_index(request: HttpRequest) -> HttpResponse:
    by = request_user(request)
    query = request.GET.get("q", "").strip()
    page = Paginator(user_admin_list(by=by, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for person in page:
        person.role_labels = [  # type: ignore[attr-defined]
            Role(group.name).label for group in person.groups.all() if group.name in Role.values
        ]
    return render(request, "programs/admin/user_index.html", {"users": page, "query": query})


def _user_values(data: dict[str, Any]) -> dict[str, Any]:
    """The user's fields of the form, as the services take them (the sign-in name apart)."""
    return {
        "email": data["email"].strip(),
        "first_name": data["first_name"].strip(),
        "last_name": data["last_name"].strip(),
        "roles": data["roles"],
        "clients": list(data.get("clients") or ()),
        "programs": list(data["programs"]),
    }


@users_required
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    by = request_user(request)
    form = UserForm(request.POST or None, by=by)

    def create(data: dict[str, Any]) -> User:
        return user_admin_create(by=by, username=data["username"], **_user_values(data))

    if saved := form_save(request, form, create):
        messages.success(
            request,
            f"{saved.value.username} was created. Make them a password link below and pass it on.",
        )
        return redirect("users:detail", user_id=saved.value.pk)
    return form_page(request, USER_FORM, {"form": form, "editing": None})


@users_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    by = request_user(request)
    user = user_admin_get(by=by, user_id=user_id)
    form = UserForm(request.POST or None, by=by, user=user)

    def update(data: dict[str, Any]) -> User:
        return user_admin_update(by=by, user=user, **_user_values(data))

    if saved := form_save(request, form, update):
        messages.success(request, f"{saved.value.username} was saved.")
        return redirect("users:detail", user_id=saved.value.pk)
    return form_page(request, USER_FORM, {"form": form, "editing": user})


def _user_page(request: HttpRequest, *, by: User, user: User, **extra: object) -> HttpResponse:
    """A user's page: who they are, their scope, the apps' panels (``USER_PAGE_PANELS``:
    the partner they work for), signing in, and the history of changes to them."""
    clients, programs = user_scope(user=user)
    return render(
        request,
        "programs/admin/user_detail.html",
        {
            "person": user,
            "clients": clients,
            "programs": programs,
            "roles": [role.label for role in Role if role.value in user.role_names],
            "is_self": user.pk == by.pk,
            "panels": user_page_panels(request=request, person=user),
            **extra,
        },
    )


@users_required
@require_GET
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    by = request_user(request)
    return _user_page(request, by=by, user=user_admin_get(by=by, user_id=user_id))


@users_required
@require_POST
def user_active(request: HttpRequest, user_id: int) -> HttpResponse:
    by = request_user(request)
    user = user_admin_get(by=by, user_id=user_id)
    active = request.POST.get("active") == "1"
    try:
        user_admin_set_active(by=by, user=user, active=active)
    except InputError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{user.username} can sign in again."
            if active
            else f"{user.username} was deactivated: they can no longer sign in; "
            "their history stays.",
        )
    return redirect("users:detail", user_id=user.pk)


@users_required
@require_POST
def user_password_link(request: HttpRequest, user_id: int) -> HttpResponse:
    """A link for the user to choose a new password (valid for the password-reset time, and
    only until it is used or they sign in); shown once, to pass on to them."""
    by = request_user(request)
    user = user_admin_get(by=by, user_id=user_id)
    uidb64, token = user_password_reset(by=by, user=user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    return _user_page(request, by=by, user=user, password_link=request.build_absolute_uri(path))


@users_required
@require_GET
def change_history(request: HttpRequest) -> HttpResponse:
    """The change history of the admin pages: every change ``by`` may read (an admin all; a
    sales manager those to the users, programs, clients and partners of their scope), newest
    first, by kind of object, by the person who made it, or of one object."""
    by = request_user(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in ChangeKind.values else ""
    actor = _int(request.GET.get("person"))
    object_id = _int(request.GET.get("object")) if kind else None
    changes = admin_change_list(by=by, kind=kind, object_id=object_id, actor_id=actor)
    page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    links = change_links(list(page))
    for change in page:
        change.link = links.get((change.kind, change.object_id), "")  # type: ignore[attr-defined]
        change.kind_label = ChangeKind(change.kind).label  # type: ignore[attr-defined]
    query = {"kind": kind, "person": actor or "", "object": object_id or ""}
    return render(
        request,
        "programs/admin/change_history.html",
        {
            "changes": page,
            "kinds": ChangeKind.choices,
            "kind": kind,
            "actors": admin_change_actors(by=by),
            "actor": actor,
            "object_id": object_id,
            "object_label": page[0].object_label if object_id and page.object_list else "",
            "query": urlencode({k: v for k, v in query.items() if v}),
        },
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


settings_required = capability_required(
    Capability.PROGRAMS_SETTINGS, "Only admins and sales managers change a program's settings."
)


@settings_required
@require_http_methods(["GET", "POST"])
def program_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """A program's settings: its hand-off mode and closure days, with the way to its other
    settings pages (form and intake, criteria)."""
    by = request_user(request)
    program = program_get(user=by, slug=slug)
    form = ProgramSettingsForm(request.POST or None, program=program)

    def save(data: dict[str, Any]) -> None:
        program_settings_save(
            by=by,
            program=program,
            hand_off_mode=data["hand_off_mode"],
            closure_days=data["closure_days"],
            queue_by_probability=data["queue_by_probability"],
        )

    if form_save(request, form, save):
        messages.success(request, "Program settings saved.")
        return redirect("programs:settings", slug=program.slug)
    return form_page(
        request, "programs/admin/program_settings.html", {"program": program, "form": form}
    )

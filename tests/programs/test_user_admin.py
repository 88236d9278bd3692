"""The users pages (issue 17, item 9): admins manage everyone, a sales manager the users of
their own programs; a manager never grants the admin role nor a program outside their scope;
a refused change writes nothing."""

import re
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from leadflow.accounts.models import Role, Scope, User
from leadflow.programs.models import Program
from tests.factories import Team

pytestmark = pytest.mark.usefixtures("plain_http")


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN)


def _page(client: Client, user: User, path: str) -> int:
    client.force_login(user)
    return client.get(path).status_code


@pytest.mark.parametrize("role", ["marketer", "qualifier", "reviewer", "partner", "client_contact"])
def test_other_roles_are_refused_the_users_pages(client: Client, team: Team, role: str) -> None:
    user = getattr(team, role)
    assert _page(client, user, "/users/") == 403
    assert _page(client, user, "/users/new/") == 403
    assert _page(client, user, f"/users/{team.qualifier.pk}/") == 403


def test_anonymous_is_sent_to_sign_in(client: Client, team: Team) -> None:
    response = client.get("/users/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_manager_lists_only_the_users_of_their_programs(client: Client, team: Team) -> None:
    client.force_login(team.manager)
    page = client.get("/users/").content.decode()
    assert team.qualifier.username in page
    assert team.client_contact.username in page
    assert team.outsider.username not in page


def test_a_user_outside_the_managers_programs_is_not_found(
    client: Client, team: Team, admin: User
) -> None:
    client.force_login(team.manager)
    assert client.get(f"/users/{team.outsider.pk}/").status_code == 404
    assert client.get(f"/users/{team.outsider.pk}/edit/").status_code == 404
    assert client.post(f"/users/{team.outsider.pk}/active/", {"active": "0"}).status_code == 404
    assert client.post(f"/users/{team.outsider.pk}/password-link/").status_code == 404
    assert client.get(f"/users/{admin.pk}/").status_code == 404
    team.outsider.refresh_from_db()
    assert team.outsider.is_active


def test_a_user_with_a_scope_beyond_the_manager_is_not_theirs(
    client: Client, team: Team, other_program: Program, make_user: Callable[..., User]
) -> None:
    both = make_user(Role.QUALIFIER, programs=(team.qualifier.scopes.get().program, other_program))
    client.force_login(team.manager)
    assert client.get(f"/users/{both.pk}/").status_code == 404


def test_admin_sees_everyone(client: Client, team: Team, admin: User) -> None:
    client.force_login(admin)
    page = client.get("/users/").content.decode()
    assert team.outsider.username in page
    assert team.qualifier.username in page
    assert client.get(f"/users/{team.outsider.pk}/").status_code == 200


def test_manager_creates_a_qualifier_of_their_program(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.manager)
    response = client.post(
        "/users/new/",
        {
            "username": "grace",
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@acme.example",
            "roles": ["qualifier"],
            "programs": [program.pk],
        },
    )
    grace = User.objects.get(username="grace")
    assert response.status_code == 302
    assert response["Location"] == f"/users/{grace.pk}/"
    assert grace.role_names == {"qualifier"}
    assert not grace.has_usable_password()
    assert not grace.is_superuser
    assert list(grace.scopes.values_list("program_id", flat=True)) == [program.pk]


def test_manager_cannot_grant_the_admin_role(client: Client, team: Team, program: Program) -> None:
    client.force_login(team.manager)
    response = client.post(
        "/users/new/",
        {"username": "mallory", "roles": ["admin"], "programs": [program.pk]},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(username="mallory").exists()
    edit = client.post(
        f"/users/{team.qualifier.pk}/edit/",
        {"roles": ["admin"], "programs": [program.pk]},
    )
    assert edit.status_code == 400
    team.qualifier.refresh_from_db()
    assert not team.qualifier.is_superuser
    assert team.qualifier.role_names == {"qualifier"}


def test_manager_cannot_give_a_program_outside_their_scope(
    client: Client, team: Team, other_program: Program
) -> None:
    client.force_login(team.manager)
    response = client.post(
        "/users/new/",
        {"username": "mallory", "roles": ["qualifier"], "programs": [other_program.pk]},
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="mallory").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "", "roles": ["qualifier"]}, "This field is required"),
        ({"username": "has space", "roles": ["qualifier"]}, "no spaces"),
        ({"username": "grace"}, "at least one role"),
        ({"username": "grace", "roles": ["qualifier"]}, "Choose the programs or clients"),
        ({"username": "grace", "roles": ["qualifier"], "email": "nope"}, "e-mail address"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_written(
    client: Client, team: Team, program: Program, data: dict[str, object], message: str
) -> None:
    client.force_login(team.manager)
    before = get_user_model().objects.count()
    if "e-mail" in message:
        data = {**data, "programs": [program.pk]}
    response = client.post("/users/new/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Nothing was saved" in page
    assert get_user_model().objects.count() == before


def test_a_taken_sign_in_name_is_refused(client: Client, team: Team, program: Program) -> None:
    client.force_login(team.manager)
    response = client.post(
        "/users/new/",
        {
            "username": team.qualifier.username.upper(),
            "roles": ["qualifier"],
            "programs": [program.pk],
        },
    )
    assert response.status_code == 400
    assert "is taken" in response.content.decode()


def test_manager_changes_roles_and_scope(client: Client, team: Team, program: Program) -> None:
    client.force_login(team.manager)
    response = client.post(
        f"/users/{team.qualifier.pk}/edit/",
        {
            "email": "q@acme.example",
            "roles": ["qualifier", "reviewer"],
            "clients": [program.client.pk],
        },
    )
    assert response.status_code == 302
    user = User.objects.get(pk=team.qualifier.pk)
    assert user.role_names == {"qualifier", "reviewer"}
    assert user.email == "q@acme.example"
    assert list(Scope.objects.filter(user=user).values_list("client_id", "program_id")) == [
        (program.client.pk, None)
    ]


def test_admin_grants_and_takes_away_the_admin_role(
    client: Client, team: Team, admin: User
) -> None:
    client.force_login(admin)
    client.post(f"/users/{team.qualifier.pk}/edit/", {"roles": ["admin"]})
    user = User.objects.get(pk=team.qualifier.pk)
    assert user.is_superuser
    assert user.role_names == {"admin"}
    client.post(
        f"/users/{team.qualifier.pk}/edit/",
        {"roles": ["qualifier"], "programs": [team.qualifier.scopes.get().program_id]}
        if team.qualifier.scopes.exists()
        else {"roles": ["qualifier"], "clients": [team.manager.scopes.get().client_id]},
    )
    user = User.objects.get(pk=team.qualifier.pk)
    assert not user.is_superuser
    assert user.role_names == {"qualifier"}


def test_nobody_changes_their_own_roles(client: Client, admin: User) -> None:
    client.force_login(admin)
    response = client.post(f"/users/{admin.pk}/edit/", {"roles": ["qualifier", "admin"]})
    assert response.status_code == 400
    assert "your own roles" in response.content.decode()
    assert User.objects.get(pk=admin.pk).role_names == {"admin"}


def test_deactivate_keeps_the_user_and_stops_sign_in(client: Client, team: Team) -> None:
    client.force_login(team.manager)
    response = client.post(f"/users/{team.qualifier.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    user = User.objects.get(pk=team.qualifier.pk)
    assert not user.is_active
    assert "deactivated" in client.get(response["Location"]).content.decode()
    other = Client()
    other.force_login(user)
    assert other.get("/").status_code == 302  # an inactive user is signed out
    client.post(f"/users/{team.qualifier.pk}/active/", {"active": "1"})
    assert User.objects.get(pk=team.qualifier.pk).is_active


def test_nobody_deactivates_themselves(client: Client, admin: User) -> None:
    client.force_login(admin)
    response = client.post(f"/users/{admin.pk}/active/", {"active": "0"}, follow=True)
    assert "cannot deactivate yourself" in response.content.decode()
    assert User.objects.get(pk=admin.pk).is_active


def test_password_link_lets_the_user_choose_a_password(client: Client, team: Team) -> None:
    client.force_login(team.manager)
    response = client.post(f"/users/{team.qualifier.pk}/password-link/")
    assert response.status_code == 200
    link = response.context["password_link"]
    assert link.startswith("http://testserver/accounts/password/reset/")
    visitor = Client()
    form = visitor.get(link, follow=True)
    assert form.status_code == 200
    done = visitor.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-long-new-password-7", "new_password2": "a-long-new-password-7"},
    )
    assert done.status_code == 302
    assert User.objects.get(pk=team.qualifier.pk).check_password("a-long-new-password-7")


def test_the_navigation_shows_users_to_managers(client: Client, team: Team) -> None:
    client.force_login(team.manager)
    assert 'href="/users/"' in client.get("/").content.decode()
    client.force_login(team.qualifier)
    assert 'href="/users/"' not in client.get("/").content.decode()


def test_a_superuser_without_groups_shows_as_admin_and_stays_one(
    client: Client, admin: User, make_user: Callable[..., User]
) -> None:
    root = make_user()
    root.is_superuser = root.is_staff = True
    root.save()
    client.force_login(admin)
    page = client.get(f"/users/{root.pk}/edit/").content.decode()
    assert re.search(r'value="admin"[^>]*checked', page)
    client.post(f"/users/{root.pk}/edit/", {"roles": ["admin"]})
    assert User.objects.get(pk=root.pk).is_superuser

"""The admin: clients, programs, users with their scopes, roles with their members."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from leadflow.accounts.models import Role, User
from tests.factories import Leads, Team

pytestmark = pytest.mark.usefixtures("plain_http")


@pytest.fixture
def superuser(make_user: Callable[..., User]) -> User:
    user = make_user(Role.ADMIN)
    user.is_superuser = True
    user.save()
    return user


@pytest.mark.parametrize(
    "path",
    [
        "/admin/accounts/user/",
        "/admin/auth/group/",
        "/admin/programs/client/",
        "/admin/programs/program/",
        "/admin/leads/lead/",
        "/admin/leads/leadevent/",
        "/admin/leads/savedfilter/",
        "/admin/leads/calllog/",
        "/admin/accounts/user/?q=user",
        "/admin/leads/lead/?q=Hedy&rating__exact=hot",
    ],
)
def test_admin_pages_open(
    client: Client, team: Team, leads: Leads, superuser: User, path: str
) -> None:
    client.force_login(superuser)
    assert client.get(path).status_code == 200


def test_role_page_lists_its_members(client: Client, team: Team, superuser: User) -> None:
    client.force_login(superuser)
    group = Group.objects.get(name=Role.QUALIFIER)
    page = client.get(f"/admin/auth/group/{group.pk}/change/").content.decode()
    assert team.qualifier.username in page
    user_page = client.get(f"/admin/accounts/user/{team.manager.pk}/change/").content.decode()
    assert "Scopes" in user_page or "scope" in user_page.lower()


def test_events_are_read_only(client: Client, leads: Leads, superuser: User) -> None:
    client.force_login(superuser)
    assert client.get("/admin/leads/leadevent/add/").status_code == 403


def test_the_admin_is_for_superusers_only(
    client: Client, team: Team, make_user: Callable[..., User]
) -> None:
    staff = make_user(Role.MANAGER)
    staff.is_staff = True
    staff.save()
    for user in (staff, team.manager):
        client.force_login(user)
        assert client.get("/admin/").status_code == 302
        assert client.get("/admin/accounts/user/").status_code == 302

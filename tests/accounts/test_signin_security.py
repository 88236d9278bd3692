"""Signing in under attack: throttling and lockout per account and address (django-axes), the
lock seen and lifted by an admin, the password rules and the session's lifetime."""

from collections.abc import Callable

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from leadflow.accounts.models import Role, User

pytestmark = pytest.mark.usefixtures("plain_http", "fast_passwords")

RIGHT = "right-pass-4821"
HOME = "10.0.0.1"
ELSEWHERE = "10.0.0.2"


@pytest.fixture
def person(make_user: Callable[..., User]) -> User:
    user = make_user(Role.MANAGER)
    user.set_password(RIGHT)
    user.save()
    return user


def sign_in(username: str, password: str, *, address: str = HOME) -> tuple[Client, int]:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return client, response.status_code


def signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def fail(username: str, times: int, *, address: str = HOME) -> list[int]:
    return [sign_in(username, f"wrong-{n}", address=address)[1] for n in range(times)]


def test_thirty_wrong_passwords_then_the_right_one_is_refused(person: User) -> None:
    statuses = fail(person.username, 30)
    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(statuses[settings.AXES_FAILURE_LIMIT :]) == {429}
    client = Client(REMOTE_ADDR=HOME)
    response = client.post("/accounts/login/", {"username": person.username, "password": RIGHT})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-in attempts" in page
    assert "administrator" in page
    assert "Traceback" not in page
    assert not signed_in(client)


def test_the_lock_is_per_account_and_address(person: User, make_user: Callable[..., User]) -> None:
    other = make_user(Role.MANAGER)
    other.set_password(RIGHT)
    other.save()
    fail(person.username, settings.AXES_FAILURE_LIMIT)
    assert sign_in(person.username, RIGHT)[1] == 429
    # The same account from another address, and another account from the same address.
    client, status = sign_in(person.username, RIGHT, address=ELSEWHERE)
    assert status == 302
    assert signed_in(client)
    client, status = sign_in(other.username, RIGHT)
    assert status == 302
    assert signed_in(client)


def test_a_success_before_the_limit_clears_the_count(person: User) -> None:
    fail(person.username, settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in(person.username, RIGHT)[1] == 302
    fail(person.username, settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in(person.username, RIGHT)[1] == 302


def test_an_admin_sees_the_lock_and_lifts_it(person: User, make_user: Callable[..., User]) -> None:
    fail(person.username, settings.AXES_FAILURE_LIMIT)
    admin = make_user(Role.ADMIN)
    admin.is_superuser = True
    admin.is_staff = True
    admin.save()
    staff = Client(REMOTE_ADDR=ELSEWHERE)
    staff.force_login(admin)
    listing = staff.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert person.username in listing.content.decode()
    attempt = AccessAttempt.objects.get(username=person.username)
    response = staff.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    client, status = sign_in(person.username, RIGHT)
    assert status == 302
    assert signed_in(client)


def test_the_reset_command_lifts_a_lock(person: User) -> None:
    fail(person.username, settings.AXES_FAILURE_LIMIT)
    call_command("axes_reset_username", person.username)
    assert sign_in(person.username, RIGHT)[1] == 302


def test_new_passwords_need_twelve_characters(client: Client, person: User) -> None:
    client.force_login(person)
    response = client.post(
        "/accounts/password/",
        {"old_password": RIGHT, "new_password1": "Zq8-short", "new_password2": "Zq8-short"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(RIGHT)


def test_a_session_lasts_twelve_hours_and_survives_closing_the_browser(person: User) -> None:
    client = Client(REMOTE_ADDR=HOME)
    client.post("/accounts/login/", {"username": person.username, "password": RIGHT})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 12 * 60 * 60
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"

"""Two-step sign-in: setting it up with a real authenticator code (pyotp, from the stored
secret), signing in with a code or a recovery code, codes that are wrong, replayed or too old,
the lock that wrong codes feed, the admins who must use it, turning it off and an admin's reset.
"""

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.test import Client
from playwright.sync_api import Page, expect
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Authenticator, RecoveryCode, Role, User
from leadflow.accounts.services import authenticator_begin, authenticator_confirm
from leadflow.accounts.views import MAX_WRONG_CODES
from leadflow.api.tokens import token_create

pytestmark = pytest.mark.usefixtures("plain_http", "fast_passwords")

PASSWORD = "not-used-123"  # the password of every ``make_user`` user
T0 = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)  # 10 s into a 30-second step
LOGIN = "/accounts/login/"
CODE_STEP = "/accounts/login/code/"
TWO_STEP = "/accounts/two-step/"


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def code_at(user: User, at: datetime) -> str:
    """What the person's authenticator app shows at ``at``."""
    return pyotp.TOTP(Authenticator.objects.get(user=user).secret).at(at)


def enrol(user: User, at: datetime = T0) -> list[str]:
    """Two-step sign-in on for ``user`` through the services, confirmed at ``at`` with the code
    of the step before (so that the codes of ``at`` itself are still unused)."""
    authenticator = authenticator_begin(user=user, now=at)
    code = pyotp.TOTP(authenticator.secret).at(at - timedelta(seconds=30))
    return authenticator_confirm(user=user, code=code, now=at).recovery_codes


def password_step(client: Client, user: User, next_url: str = "") -> str:
    """The password step; returns where it sends the browser."""
    path = f"{LOGIN}?next={next_url}" if next_url else LOGIN
    response = client.post(path, {"username": user.get_username(), "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return str(response["Location"])


def signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def person(make_user: Callable[..., User]) -> User:
    return make_user(Role.QUALIFIER)


# --- setting it up --------------------------------------------------------------------------


def test_the_page_shows_a_qr_code_and_the_secret_and_a_current_code_turns_it_on(
    client: Client, person: User, clock: time_machine.Traveller
) -> None:
    client.force_login(person)
    page = client.get(TWO_STEP).content.decode()
    secret = Authenticator.objects.get(user=person).secret
    assert re.search(r'<img src="data:image/svg\+xml[^"]+" alt="QR code', page)
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page
    client.get(TWO_STEP)  # a reload shows the same secret
    assert list(Authenticator.objects.values_list("secret", flat=True)) == [secret]
    assert Authenticator.objects.get(user=person).confirmed_at is None

    response = client.post(TWO_STEP, {"code": pyotp.TOTP(secret).at(T0)})

    page = response.content.decode()
    assert "Two-step sign-in is on" in page
    shown = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page)
    assert len(shown) == 10
    assert len(set(shown)) == 10
    authenticator = Authenticator.objects.get(user=person)
    assert authenticator.confirmed_at == T0
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not stored & set(shown)
    # Shown once: the page now only says it is on.
    again = client.get(TWO_STEP).content.decode()
    assert "is <strong>on</strong>" in again
    assert not any(code in again for code in shown)


def test_a_wrong_code_does_not_turn_it_on(
    client: Client, person: User, clock: time_machine.Traveller
) -> None:
    client.force_login(person)
    client.get(TWO_STEP)
    wrong = pyotp.TOTP(Authenticator.objects.get(user=person).secret).at(T0 + timedelta(minutes=5))
    page = client.post(TWO_STEP, {"code": wrong}).content.decode()
    assert "That code is not right" in page
    assert Authenticator.objects.get(user=person).confirmed_at is None
    assert RecoveryCode.objects.count() == 0


def test_the_page_needs_sign_in(client: Client, db: None) -> None:
    assert client.get(TWO_STEP)["Location"].startswith(f"{LOGIN}?next=")


# --- signing in -----------------------------------------------------------------------------


def test_without_two_step_the_password_alone_signs_in(client: Client, person: User) -> None:
    assert password_step(client, person) == "/"
    assert signed_in(client)


def test_the_password_step_signs_nobody_in_until_the_code(
    client: Client, person: User, clock: time_machine.Traveller
) -> None:
    enrol(person)
    assert password_step(client, person, next_url="/leads/") == CODE_STEP
    assert not signed_in(client)
    assert "Enter your code" in client.get(CODE_STEP).content.decode()

    response = client.post(CODE_STEP, {"code": code_at(person, T0)})

    assert response["Location"] == "/leads/"
    assert signed_in(client)


def test_a_wrong_code_is_refused_and_counts_as_a_failed_sign_in(
    client: Client, person: User, clock: time_machine.Traveller
) -> None:
    enrol(person)
    password_step(client, person)
    response = client.post(CODE_STEP, {"code": code_at(person, T0 + timedelta(minutes=2))})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not signed_in(client)
    attempt = AccessAttempt.objects.get(username=person.get_username())
    assert attempt.failures_since_start == 1
    assert "code=********************" in attempt.post_data  # the code itself is not kept


def test_five_wrong_codes_send_the_person_back_to_the_password(
    client: Client, person: User, clock: time_machine.Traveller
) -> None:
    enrol(person)
    password_step(client, person)
    for _ in range(MAX_WRONG_CODES - 1):
        assert client.post(CODE_STEP, {"code": "000000"}).status_code == 200
    response = client.post(CODE_STEP, {"code": "000000"})
    assert response["Location"] == LOGIN
    # The right code no longer helps: the password step has to be done again.
    assert client.post(CODE_STEP, {"code": code_at(person, T0)})["Location"] == LOGIN
    assert not signed_in(client)
    assert password_step(client, person) == CODE_STEP
    assert client.post(CODE_STEP, {"code": code_at(person, T0)})["Location"] == "/"


def test_wrong_codes_count_toward_the_lock_of_the_account_at_this_address(
    person: User, clock: time_machine.Traveller
) -> None:
    enrol(person)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT // MAX_WRONG_CODES):
        password_step(client, person)
        for _ in range(MAX_WRONG_CODES):
            client.post(CODE_STEP, {"code": "000000"})
    # Locked: the right password and the right code get the lockout page.
    response = client.post(LOGIN, {"username": person.get_username(), "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not signed_in(client)


def test_a_code_already_used_is_refused(person: User, clock: time_machine.Traveller) -> None:
    enrol(person)
    code = code_at(person, T0)
    first = Client()
    password_step(first, person)
    assert first.post(CODE_STEP, {"code": code})["Location"] == "/"

    overheard = Client()
    password_step(overheard, person)
    response = overheard.post(CODE_STEP, {"code": code})
    assert "That code was already used" in response.content.decode()
    assert not signed_in(overheard)
    # The code of the step before, still inside the window, is older than the one used: refused.
    earlier = overheard.post(CODE_STEP, {"code": code_at(person, T0 - timedelta(seconds=30))})
    assert "already used" in earlier.content.decode()
    # Thirty seconds later the app shows a new code, and it works.
    clock.shift(30)
    assert (
        overheard.post(CODE_STEP, {"code": code_at(person, T0 + timedelta(seconds=30))})["Location"]
        == "/"
    )


def test_a_code_thirty_seconds_old_is_accepted_one_older_is_not(
    person: User, clock: time_machine.Traveller
) -> None:
    enrol(person, at=T0 - timedelta(minutes=10))
    late = Client()
    password_step(late, person)
    too_old = late.post(CODE_STEP, {"code": code_at(person, T0 - timedelta(seconds=60))})
    assert "not right" in too_old.content.decode()
    assert (
        late.post(CODE_STEP, {"code": code_at(person, T0 - timedelta(seconds=30))})["Location"]
        == "/"
    )


def test_a_recovery_code_signs_in_once(person: User, clock: time_machine.Traveller) -> None:
    codes = enrol(person)
    first = Client()
    password_step(first, person)
    response = first.post(CODE_STEP, {"code": codes[3].upper().replace("-", " ")}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "recovery code; 9 left" in response.content.decode()

    again = Client()
    password_step(again, person)
    assert "not right" in again.post(CODE_STEP, {"code": codes[3]}).content.decode()
    assert not signed_in(again)
    assert again.post(CODE_STEP, {"code": codes[4]})["Location"] == "/"


def test_the_code_step_expires_after_five_minutes(
    client: Client, person: User, clock: time_machine.Traveller
) -> None:
    enrol(person)
    password_step(client, person)
    clock.shift(5 * 60 + 1)
    later = T0 + timedelta(seconds=5 * 60 + 1)
    assert client.post(CODE_STEP, {"code": code_at(person, later)})["Location"] == LOGIN
    assert not signed_in(client)


def test_the_code_step_without_the_password_step_goes_to_sign_in(client: Client, db: None) -> None:
    assert client.get(CODE_STEP)["Location"] == LOGIN
    assert client.post(CODE_STEP, {"code": "123456"})["Location"] == LOGIN


def test_the_admin_sign_in_page_sends_to_the_sites_sign_in(client: Client, db: None) -> None:
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response["Location"] == f"{LOGIN}?next=/admin/accounts/user/"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


# --- required for admins --------------------------------------------------------------------


@pytest.fixture
def required(settings: Settings) -> None:
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True


@pytest.fixture
def admin_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN)


@pytest.mark.usefixtures("required")
def test_an_admin_without_two_step_reaches_only_its_page(
    client: Client, admin_user: User, clock: time_machine.Traveller
) -> None:
    password_step(client, admin_user)
    for path in ("/", "/leads/", "/admin/", "/accounts/tokens/", "/accounts/password/"):
        assert client.get(path)["Location"] == TWO_STEP, path
    assert client.get("/api/v1/leads").status_code == 403
    htmx = client.get("/leads/", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == TWO_STEP
    page = client.get(TWO_STEP).content.decode()
    assert "Your role needs two-step sign-in" in page

    secret = Authenticator.objects.get(user=admin_user).secret
    client.post(TWO_STEP, {"code": pyotp.TOTP(secret).at(T0)})

    assert signed_in(client)
    assert client.get("/admin/").status_code == 200


@pytest.mark.usefixtures("required")
def test_an_admin_signed_in_before_the_setting_is_held_back_too(
    client: Client, admin_user: User
) -> None:
    client.force_login(admin_user)
    assert client.get("/")["Location"] == TWO_STEP
    assert client.post("/accounts/logout/")["Location"] == LOGIN


@pytest.mark.usefixtures("required")
def test_api_tokens_and_other_roles_are_not_held_back(
    client: Client, admin_user: User, person: User
) -> None:
    _, raw = token_create(user=admin_user, name="import script", now=T0)
    response = Client().get("/api/v1/leads", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    password_step(client, person)
    assert signed_in(client)


def test_without_the_setting_an_admin_needs_no_two_step(client: Client, admin_user: User) -> None:
    password_step(client, admin_user)
    assert signed_in(client)


# --- turning it off, and an admin's reset ---------------------------------------------------


def test_turning_it_off_needs_a_current_code(
    client: Client, person: User, clock: time_machine.Traveller
) -> None:
    enrol(person)
    client.force_login(person)
    refused = client.post(f"{TWO_STEP}off/", {"code": "000000"})
    assert "not right" in refused.content.decode()
    assert Authenticator.objects.filter(user=person).exists()
    response = client.post(f"{TWO_STEP}off/", {"code": code_at(person, T0)})
    assert response["Location"] == TWO_STEP
    assert not Authenticator.objects.filter(user=person).exists()
    assert RecoveryCode.objects.count() == 0
    client.logout()
    assert password_step(client, person) == "/"


def test_turning_it_off_with_the_password(
    client: Client, person: User, clock: time_machine.Traveller
) -> None:
    enrol(person)
    client.force_login(person)
    assert (
        "Give a current code"
        in client.post(f"{TWO_STEP}off/", {"password": "wrong-password"}).content.decode()
    )
    assert client.post(f"{TWO_STEP}off/", {"password": PASSWORD})["Location"] == TWO_STEP
    assert not Authenticator.objects.filter(user=person).exists()


@pytest.mark.usefixtures("required")
def test_an_admin_who_must_use_it_cannot_turn_it_off(
    client: Client, admin_user: User, clock: time_machine.Traveller
) -> None:
    enrol(admin_user)
    client.force_login(admin_user)
    assert "it stays on" in client.get(TWO_STEP).content.decode()
    client.post(f"{TWO_STEP}off/", {"code": code_at(admin_user, T0)})
    assert Authenticator.objects.filter(user=admin_user, confirmed_at__isnull=False).exists()


def test_an_admin_resets_a_users_two_step_sign_in_and_it_is_recorded(
    client: Client, person: User, admin_user: User, clock: time_machine.Traveller
) -> None:
    enrol(person)
    client.force_login(admin_user)
    listing = client.get("/admin/accounts/user/").content.decode()
    assert "Reset two-step sign-in" in listing
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_two_step", "_selected_action": [person.pk]},
        follow=True,
    )
    assert "Two-step sign-in reset for 1 user(s)" in response.content.decode()
    assert not Authenticator.objects.filter(user=person).exists()
    entry = LogEntry.objects.get(object_id=str(person.pk))
    assert entry.user_id == admin_user.pk
    assert "Reset two-step sign-in" in entry.get_change_message()
    assert password_step(Client(), person) == "/"


# --- in a real browser ----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_person_sets_up_two_step_sign_in_and_signs_in_with_a_code(
    page: Page,
    live_server: LiveServer,
    screenshots: Path,
    make_user: Callable[..., User],
) -> None:
    person = make_user(Role.MANAGER)
    page.goto(f"{live_server.url}{TWO_STEP}")
    page.get_by_label("Username").fill(person.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}{TWO_STEP}")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    # The QR code is drawn (an SVG the policy lets through), not a broken image.
    width = page.get_by_role("img", name="QR code").evaluate("image => image.naturalWidth")
    assert width > 0
    page.screenshot(path=screenshots / "two-step-setup.png", full_page=True)
    secret = page.locator("#two-step-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", name="Two-step sign-in is on")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.screenshot(path=screenshots / "two-step-recovery-codes.png", full_page=True)
    page.get_by_role("link", name="I have kept them: go on").click()
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server.url}/leads/")
    page.get_by_label("Username").fill(person.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    # The code just used to set it up is refused; the next step's code works.
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=30), tick=True):
        page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{live_server.url}/leads/")

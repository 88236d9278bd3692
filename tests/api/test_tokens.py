"""Personal API tokens: stored hashed, shown once, revocable, narrowed to programs; created on
the tokens page and by ``leadflow token create``."""

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.api.models import ApiToken
from leadflow.api.tokens import (
    TokenError,
    token_authenticate,
    token_create,
    token_revoke,
)
from leadflow.programs.models import Program
from tests.factories import NOW


@pytest.fixture
def user(make_user: Callable[..., User], program: Program) -> User:
    return make_user(Role.MARKETER, programs=(program,))


def _database_dump() -> str:
    """Every text value of every table, to search for a plaintext that must not be there."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            values.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(values)


def test_a_token_is_stored_only_as_its_hash(user: User) -> None:
    token, raw = token_create(user=user, name="ci", now=NOW)
    assert re.fullmatch(r"lf_[A-Za-z0-9_-]{43}", raw)
    assert token.prefix == raw[:8]
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in _database_dump()
    assert raw[8:] not in _database_dump()


def test_a_token_authenticates_its_user_and_records_its_use(user: User) -> None:
    token, raw = token_create(user=user, name="ci", now=NOW)
    found = token_authenticate(raw, now=NOW + timedelta(hours=1))
    assert found == token
    assert found is not None
    assert found.user == user
    token.refresh_from_db()
    assert token.last_used_at == NOW + timedelta(hours=1)


def _other_last_character(raw: str) -> str:
    return raw[:-1] + ("B" if raw.endswith("A") else "A")


@pytest.mark.parametrize("mangle", [_other_last_character, lambda r: r + "x", lambda r: r[:8]])
def test_a_wrong_token_with_a_right_prefix_is_refused(
    user: User, mangle: Callable[[str], str]
) -> None:
    _, raw = token_create(user=user, name="ci", now=NOW)
    assert token_authenticate(mangle(raw)) is None


def test_a_revoked_token_no_longer_authenticates(user: User) -> None:
    token, raw = token_create(user=user, name="ci", now=NOW)
    token_revoke(token=token, user=user, now=NOW)
    assert token_authenticate(raw) is None
    token.refresh_from_db()
    assert token.revoked_at == NOW


def test_only_the_owner_revokes_a_token(user: User, make_user: Callable[..., User]) -> None:
    token, raw = token_create(user=user, name="ci", now=NOW)
    with pytest.raises(ApiToken.DoesNotExist):
        token_revoke(token=token, user=make_user(Role.MARKETER), now=NOW)
    assert token_authenticate(raw) is not None


def test_a_deactivated_users_token_no_longer_authenticates(user: User) -> None:
    _, raw = token_create(user=user, name="ci", now=NOW)
    user.is_active = False
    user.save()
    assert token_authenticate(raw) is None


def test_a_token_cannot_be_narrowed_to_a_program_outside_the_users_scope(
    user: User, other_program: Program
) -> None:
    with pytest.raises(TokenError, match="globex-partners"):
        token_create(user=user, name="ci", programs=(other_program,), now=NOW)
    assert not ApiToken.objects.exists()


# --- the tokens page ----------------------------------------------------------------------------


@pytest.fixture
def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_tokens_page_needs_a_login(db: None) -> None:
    response = Client().get("/accounts/tokens/", secure=True)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_created_token_is_shown_once_and_then_only_its_prefix(
    browser: Client, user: User, program: Program
) -> None:
    created = browser.post(
        "/accounts/tokens/", {"name": "zapier", "programs": [program.pk]}, secure=True
    )
    assert created.status_code == 200
    raw = re.search(r'<code id="new-token">(lf_[^<]+)</code>', created.content.decode())
    assert raw is not None
    token = token_authenticate(raw.group(1))
    assert token is not None
    assert token.name == "zapier"
    assert list(token.programs.all()) == [program]
    listing = browser.get("/accounts/tokens/", secure=True).content.decode()
    assert "zapier" in listing
    assert token.prefix in listing
    assert raw.group(1) not in listing


def test_a_token_is_revoked_from_the_page(browser: Client, user: User) -> None:
    token, raw = token_create(user=user, name="old", now=NOW)
    response = browser.post(f"/accounts/tokens/{token.pk}/revoke/", secure=True)
    assert response.status_code == 302
    assert token_authenticate(raw) is None
    assert "revoked" in browser.get("/accounts/tokens/", secure=True).content.decode()


def test_another_users_token_cannot_be_revoked_from_the_page(
    browser: Client, make_user: Callable[..., User]
) -> None:
    token, raw = token_create(user=make_user(Role.MARKETER), name="theirs", now=NOW)
    response = browser.post(f"/accounts/tokens/{token.pk}/revoke/", secure=True)
    assert response.status_code == 404
    assert token_authenticate(raw) is not None
    assert "theirs" not in browser.get("/accounts/tokens/", secure=True).content.decode()


def test_a_token_without_a_name_is_not_created(browser: Client) -> None:
    response = browser.post("/accounts/tokens/", {"name": "  "}, secure=True)
    assert response.status_code == 200
    assert 'id="new-token"' not in response.content.decode()
    assert not ApiToken.objects.exists()


# --- the CLI ------------------------------------------------------------------------------------


def test_the_cli_prints_a_new_token_alone(tmp_path: Path) -> None:
    leadflow = Path(sys.executable).parent / "leadflow"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"LEADFLOW_VAR_DIR": str(tmp_path), "DJANGO_SUPERUSER_PASSWORD": "x-Secret-123"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(leadflow), *args], env=env, capture_output=True, text=True, check=True
        )

    run("migrate", "--noinput")
    run("createsuperuser", "--noinput", "--username", "ada", "--email", "ada@example.com")
    created = run("token", "create", "ada", "--name", "ci")
    raw = created.stdout.strip()
    assert created.stdout == raw + "\n"
    assert re.fullmatch(r"lf_[A-Za-z0-9_-]{43}", raw)
    with sqlite3.connect(tmp_path / "leadflow.sqlite3") as db:
        rows = db.execute("SELECT name, prefix, token_hash FROM accounts_apitoken").fetchall()
    assert rows == [("ci", raw[:8], hashlib.sha256(raw.encode()).hexdigest())]
    assert raw[:8] in run("token", "list", "ada").stdout
    run("token", "revoke", raw[:8])
    assert "revoked" in run("token", "list", "ada").stdout

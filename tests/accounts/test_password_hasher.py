"""The production password hasher: Argon2id at OWASP's minimum, and the hashes of the hasher
before it (PBKDF2) still sign in and are upgraded on the way (docs/PERFORMANCE.md, "Sign-in").

The suite itself hashes with MD5 (``fast_passwords`` in tests/conftest.py); these tests put
the production list back."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password
from django.test import Client
from pytest_django.fixtures import Settings

from leadflow.accounts.hashers import Argon2idHasher
from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create

PASSWORD = "ada-signs-in-4821"


@pytest.fixture
def production_hashers(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = PRODUCTION


PRODUCTION = list(django_settings.PASSWORD_HASHERS)


def test_passwords_are_hashed_with_argon2id_at_owasp_strength(production_hashers: None) -> None:
    hasher = get_hasher("default")
    assert isinstance(hasher, Argon2idHasher)
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert identify_hasher(encoded).verify(PASSWORD, encoded)


@pytest.mark.usefixtures("plain_http")
def test_an_older_pbkdf2_password_signs_in_and_is_rehashed(
    production_hashers: None, client: Client, db: None
) -> None:
    user = user_create(username="ada", password=PASSWORD, roles=(Role.MANAGER,))
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")

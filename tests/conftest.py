"""Shared fixtures: thin wrappers over ``tests.factories``, whose builders go through the real
services, so tests exercise the write paths."""

import hashlib
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from leadflow.accounts.models import Role, User
from leadflow.leads.models import Lead
from leadflow.programs.models import Client, HandOffMode, Program
from tests import factories
from tests.factories import NOW, Leads, Team

pytest_plugins = ["tests.browser", "tests.receivers"]

__all__ = ["NOW"]


def _migrations_fingerprint() -> str:
    """A digest of every installed app's migration files, Django's and the dependencies' too."""
    from django.apps import apps

    digest = hashlib.sha256()
    for app in sorted(apps.get_app_configs(), key=lambda config: config.label):
        for path in sorted((Path(app.path) / "migrations").glob("*.py")):
            digest.update(f"{app.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request: pytest.FixtureRequest,
    django_db_modify_db_settings_parallel_suffix: None,
    django_db_keepdb: bool,
) -> None:
    """A test database kept between runs (``--reuse-db``, as ``scripts/test`` asks of
    PostgreSQL) is named for the migrations it was built from: test_leadflow_<hash>_gw0.
    pytest-django would otherwise reuse a database built from other migrations (an edited one,
    another branch, another checkout on the same server) and test against the wrong schema."""
    from django.conf import settings

    if not django_db_keepdb:
        return
    fingerprint = _migrations_fingerprint()
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    for database in settings.DATABASES.values():
        name = database.get("TEST", {}).get("NAME")
        if not name and database["ENGINE"] == "django.db.backends.sqlite3":
            continue  # in memory: nothing is kept
        name = name or f"test_{database['NAME']}"
        if worker and name.endswith(f"_{worker}"):
            name = f"{name.removesuffix(f'_{worker}')}_{fingerprint}_{worker}"
        else:
            name = f"{name}_{fingerprint}"
        database.setdefault("TEST", {})["NAME"] = name


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture(autouse=True)
def fast_passwords(settings: Settings) -> None:
    """Users are made by the dozen; the real hasher is slow on purpose and is not what any test
    tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def scoring_forgotten() -> Iterator[None]:
    """Each test starts not knowing whether a scoring model is on (the process remembers it
    for 30 seconds, ``scoring.active``), so one test's model never leaks into the next."""
    from leadflow.scoring.active import active_forget

    active_forget()
    yield
    active_forget()


@pytest.fixture(autouse=True)
def media_root(settings: Settings, tmp_path: Path) -> Path:
    """Files the product stores (recordings, delivery files) go to a directory of the test's
    own, never into the work tree."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def plain_http(settings: Settings) -> None:
    """The test client speaks plain HTTP; with DEBUG off the settings would redirect it."""
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def client_a(db: None) -> Client:
    return factories.client_acme()


@pytest.fixture
def client_b(db: None) -> Client:
    return factories.client_globex()


@pytest.fixture
def program(client_a: Client) -> Program:
    return factories.program(client=client_a, name="Acme Demand Gen", slug="acme-demand")


@pytest.fixture
def other_program(client_b: Client) -> Program:
    return factories.program(
        client=client_b,
        name="Globex Partners",
        slug="globex-partners",
        hand_off_mode=HandOffMode.PARTNERS,
    )


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """``make_user(*roles, programs=..., clients=..., email=...)``: user1, user2, ..."""
    numbers = count(1)

    def make(
        *roles: Role,
        programs: tuple[Program, ...] = (),
        clients: tuple[Client, ...] = (),
        email: str = "",
    ) -> User:
        return factories.user(
            username=f"user{next(numbers)}",
            roles=roles,
            programs=programs,
            clients=clients,
            email=email,
        )

    return make


@pytest.fixture
def make_lead(db: None) -> Callable[..., Lead]:
    """``make_lead(program, answers=..., actor=..., **contact)``: Ada Lovelace with Hot answers
    unless told otherwise."""

    def make(program: Program, **fields: Any) -> Lead:
        return factories.lead(program=program, **fields)

    return make


@pytest.fixture
def team(program: Program, other_program: Program, make_user: Callable[..., User]) -> Team:
    return Team(
        manager=make_user(Role.MANAGER, clients=(program.client,)),
        marketer=make_user(Role.MARKETER, programs=(program,)),
        qualifier=make_user(Role.QUALIFIER, programs=(program,)),
        reviewer=make_user(Role.REVIEWER, programs=(program,)),
        client_contact=make_user(Role.CLIENT, clients=(program.client,)),
        partner=make_user(Role.PARTNER, programs=(program,)),
        outsider=make_user(Role.MANAGER, programs=(other_program,)),
    )


@pytest.fixture
def leads(program: Program, other_program: Program) -> Leads:
    return factories.leads_of_every_rating(program=program, other_program=other_program)

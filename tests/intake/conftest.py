"""The public form pages are served over plain HTTP by the test client and the live server."""

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def _plain_http(settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = False

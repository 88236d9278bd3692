"""The public form pages are served over plain HTTP by the test client and the live server."""

import pytest


@pytest.fixture(autouse=True)
def _plain_http(plain_http: None) -> None:
    """Every intake test speaks plain HTTP."""

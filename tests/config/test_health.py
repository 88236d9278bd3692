"""Probes for load balancers: the process answers, and the database is ready."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_healthz_answers_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.django_db
def test_readyz_is_ok_when_the_database_answers_and_is_migrated(client: Client) -> None:
    response = client.get("/readyz")
    assert (response.status_code, response.json()["status"]) == (200, "ok")

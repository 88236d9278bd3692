"""The API's assembly: routers of several apps mounted side by side as one API v1."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_a_path_served_by_two_apps_reaches_each_apps_operation() -> None:
    """``POST /api/v1/leads`` is intake's, ``GET`` the leads app's: both are reached (401
    without a token, not 405), and another method is refused naming both."""
    client = Client()
    assert client.post("/api/v1/leads", {}, secure=True).status_code == 401
    assert client.get("/api/v1/leads", secure=True).status_code == 401
    refused = client.delete("/api/v1/leads", secure=True)
    assert refused.status_code == 405
    assert sorted(refused["Allow"].split(", ")) == ["GET", "POST"]

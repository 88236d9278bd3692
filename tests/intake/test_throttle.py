"""The form's rate limit counts every hit exactly once, also under concurrent requests."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, connections

from leadflow.intake.models import FormThrottle
from leadflow.intake.throttle import throttle_hit, throttle_key, window_start
from tests.conftest import NOW


def test_windows_are_fixed_and_aligned() -> None:
    assert window_start(NOW, 600) == NOW.replace(minute=30, second=0)
    assert window_start(NOW + timedelta(minutes=9, seconds=59), 600) == NOW.replace(minute=30)


def test_the_key_names_neither_address_nor_program_in_clear() -> None:
    key = throttle_key(scope="7", client="203.0.113.5")
    assert len(key) == 64
    assert "203" not in key
    assert key != throttle_key(scope="8", client="203.0.113.5")


@pytest.mark.django_db
def test_hits_beyond_the_limit_are_refused_with_the_time_left(db: None) -> None:
    results = [throttle_hit(key="k", limit=2, window_seconds=600, now=NOW) for _ in range(3)]
    assert [r.allowed for r in results] == [True, True, False]
    assert results[-1].retry_after == 600


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_all_counted(transactional_db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL")

    def hit(_: int) -> bool:
        try:
            return throttle_hit(key="k", limit=10, window_seconds=600, now=NOW).allowed
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = list(pool.map(hit, range(24)))
    assert allowed.count(True) == 10
    assert FormThrottle.objects.get().count == 24

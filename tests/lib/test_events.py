"""The event bus: subscriptions run inside the change or as tasks after it commits."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from leadflow.config.events import SUBSCRIPTIONS, Subscription
from leadflow.lib import events
from leadflow.lib.events import announce, decode, encode, replaying_history, subscriptions
from tests.tasks import IMMEDIATE

SEEN: list[tuple[str, dict[str, object]]] = []
THEN = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
LATER = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def inside(**payload: object) -> None:
    SEEN.append(("inside", payload))


def later(**payload: object) -> list[int]:
    SEEN.append(("later", payload))
    return [1]


def failing(**payload: object) -> None:
    raise RuntimeError("the handler broke")


TABLE = (
    Subscription("test.happened", "tests.lib.test_events.inside", after_commit=False),
    Subscription("test.happened", "tests.lib.test_events.failing"),
    Subscription("test.happened", "tests.lib.test_events.later"),
    Subscription("test.other", "tests.lib.test_events.later"),
    Subscription("test.picky", "tests.lib.test_events.later", wanted="tests.lib.test_events.picky"),
)


def picky(*, lead_ids: list[int], **_: object) -> bool:
    return 7 in lead_ids


@pytest.fixture(autouse=True)
def _table(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(events, "SUBSCRIPTIONS", TABLE)
    SEEN.clear()
    yield
    SEEN.clear()


def test_subscriptions_come_in_the_registry_s_order() -> None:
    assert [s.handler.rsplit(".", 1)[1] for s in subscriptions("test.happened")] == [
        "inside",
        "failing",
        "later",
    ]


def test_every_subscribed_handler_exists() -> None:
    from django.utils.module_loading import import_string

    for subscription in SUBSCRIPTIONS:
        assert callable(import_string(subscription.handler)), subscription


def test_payloads_survive_the_task_s_json() -> None:
    payload = {"lead_ids": [1, 2], "now": THEN, "action": "approve"}
    assert decode(encode(payload)) == payload


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=IMMEDIATE)
def test_inside_handlers_run_at_once_the_others_after_commit_each_on_its_own() -> None:
    with transaction.atomic():
        announce("test.happened", lead_ids=[7], now=THEN)
        assert SEEN == [("inside", {"lead_ids": [7], "now": THEN})]
    # After commit: the failing handler's task failed, the next one still ran.
    assert [where for where, _ in SEEN] == ["inside", "later"]


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=IMMEDIATE)
def test_an_after_commit_handler_acts_at_the_time_it_runs() -> None:
    with time_machine.travel(LATER, tick=False), transaction.atomic():
        announce("test.other", lead_ids=[7], now=THEN)
    assert SEEN == [("later", {"lead_ids": [7], "now": LATER})]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_queued_when_the_change_rolls_back() -> None:
    def change() -> None:
        with transaction.atomic():
            announce("test.other", lead_ids=[7], now=THEN)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError, match="the change failed"):
        change()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_queues_one_task_per_after_commit_handler() -> None:
    with transaction.atomic():
        announce("test.happened", lead_ids=[7], now=THEN)
    assert sorted(DBTaskResult.objects.values_list("args_kwargs__args__0", flat=True)) == [
        "tests.lib.test_events.failing",
        "tests.lib.test_events.later",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_replayed_history_queues_nothing_but_still_runs_what_is_part_of_the_change() -> None:
    with replaying_history(), transaction.atomic():
        announce("test.happened", lead_ids=[7], now=THEN)
    assert [where for where, _ in SEEN] == ["inside"]
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_handler_that_would_find_nothing_to_do_queues_no_task() -> None:
    with transaction.atomic():
        announce("test.picky", lead_ids=[8], now=THEN)
    assert not DBTaskResult.objects.exists()
    with transaction.atomic():
        announce("test.picky", lead_ids=[7], now=THEN)
    assert DBTaskResult.objects.count() == 1


def test_every_wanted_predicate_exists() -> None:
    from django.utils.module_loading import import_string

    for subscription in SUBSCRIPTIONS:
        if subscription.wanted:
            assert callable(import_string(subscription.wanted)), subscription

"""The event bus between the apps: a base app announces what happened, the apps built on it
act on it (STYLE.md 11: apps plug in; they are not plugged).

``announce("leads.approved", lead_ids=[...], now=now)`` runs every subscription of
``config/events.py`` for that event. A subscription runs either inside the announcing
transaction (part of the change: it commits or rolls back with it) or, by default, as a task
once the change has committed, one task per handler: a failing handler never undoes the
change that announced it, and never keeps another handler from running. The periodic jobs
catch up on anything a failed handler left undone.

Payloads are keyword arguments of plain values (ids, strings, numbers, lists of them) and
datetimes. An after-commit handler acts when its task runs, as every task does: its ``now`` is
the time it runs (a partner's clocks start when the lead is actually assigned), the other
values are as announced.
"""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from leadflow.config.events import SUBSCRIPTIONS, Subscription

_DATETIME = "__datetime__"
_replaying: ContextVar[bool] = ContextVar("replaying", default=False)


def subscriptions(event: str, table: Iterable[Subscription] | None = None) -> list[Subscription]:
    """The subscriptions to ``event``, in the order the registry lists them."""
    listed = SUBSCRIPTIONS if table is None else table
    return [subscription for subscription in listed if subscription.event == event]


def announce(event: str, /, **payload: Any) -> None:
    """Tell the subscribers of ``event`` what happened (see the module's docstring)."""
    _announce(event, payload, joined=False)


def joined_statements(event: str, source: str) -> list[str]:
    """The in-transaction subscriptions of ``event`` that can run as SQL over ``source`` (a
    CTE of the new rows): their statements, for a writer to join to its own INSERT. The writer
    then announces with ``announce_joined``, which leaves those subscriptions out."""
    return [
        _handler(subscription.statement)(source)
        for subscription in subscriptions(event)
        if not subscription.after_commit and subscription.statement
    ]


def announce_joined(event: str, /, **payload: Any) -> None:
    """``announce``, for a writer whose statement already ran ``joined_statements(event)``."""
    _announce(event, payload, joined=True)


def _announce(event: str, payload: dict[str, Any], *, joined: bool) -> None:
    later = []
    for subscription in subscriptions(event):
        if subscription.after_commit:
            if subscription.wanted and not _handler(subscription.wanted)(**payload):
                continue
            later.append((subscription.handler, subscription.queue))
        elif not (joined and subscription.statement):
            _handler(subscription.handler)(**payload)
    if later and not _replaying.get():
        encoded = encode(payload)
        transaction.on_commit(lambda: _enqueue(later, encoded))


@contextmanager
def replaying_history() -> Iterator[None]:
    """While a history is replayed (the demo builds six months of it), nothing is queued for
    later: each app replays its own part of what followed, at the time it happened, and a
    worker starting afterwards finds no stale hand-off to run. Subscriptions inside the
    transaction, being part of each change, still run."""
    token = _replaying.set(True)
    try:
        yield
    finally:
        _replaying.reset(token)


def _enqueue(handlers: list[tuple[str, str]], payload: dict[str, Any]) -> None:
    from leadflow.lib.tasks import event_handle_task

    for handler, queue in handlers:
        event_handle_task.using(queue_name=queue).enqueue(handler, payload)


def handle(handler: str, payload: Mapping[str, Any]) -> Any:
    """Run one after-commit subscription (the task's body) at the time it runs."""
    arguments = decode(payload)
    if "now" in arguments:
        arguments["now"] = timezone.now()
    return _handler(handler)(**arguments)


@cache
def _handler(path: str) -> Any:
    return import_string(path)


def encode(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as JSON values (a task's arguments): datetimes become tagged ISO strings."""
    return {
        key: {_DATETIME: value.isoformat()} if isinstance(value, datetime) else value
        for key, value in payload.items()
    }


def decode(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: datetime.fromisoformat(value[_DATETIME])
        if isinstance(value, dict) and set(value) == {_DATETIME}
        else value
        for key, value in payload.items()
    }

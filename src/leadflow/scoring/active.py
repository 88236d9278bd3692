"""Whether any scoring model is switched on, remembered in the process for a short while.

A capture asks it before anything else, so with no model switched on a capture costs no extra
query (tests/api/test_write_cost.py counts them). The answer is kept ``TTL_SECONDS``; switching
a model forgets it in this process, and the other processes learn within the TTL; the
``scoring.catch_up`` job scores what was captured meanwhile.
"""

import time

TTL_SECONDS = 30.0

_known: list[tuple[bool, float]] = []


def any_model_active() -> bool:
    """True when some client or program has a model switched on (one query, then cached)."""
    from leadflow.scoring.models import ScoringModel

    now = time.monotonic()
    if _known and now - _known[0][1] < TTL_SECONDS:
        return _known[0][0]
    found = ScoringModel.objects.filter(active=True).exists()
    _known[:] = [(found, now)]
    return found


def active_forget() -> None:
    """Forget the answer: the next question reads the database."""
    _known.clear()

"""``/readyz``: may this machine take traffic, and how are its task queues doing."""

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leadflow.config.health import database_problem
from leadflow.ops.selectors import queues_state


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """503 with the reason while the database does not answer or migrations are pending;
    otherwise 200 with, per queue, the tasks waiting and running, how long the oldest has
    waited, and the live workers with their last heartbeat. A queue without workers does not
    make the web app unready (it can still take captures): monitoring reads ``queues``."""
    problem = database_problem()
    if problem is not None:
        return JsonResponse({"status": "unavailable", **problem}, status=503)
    queues = {
        state.name: {
            "waiting": state.waiting,
            "running": state.running,
            "oldest_wait_seconds": _round(state.oldest_wait_seconds),
            "workers": state.workers,
            "last_beat_seconds": _round(state.last_beat_seconds),
        }
        for state in queues_state(now=timezone.now())
    }
    return JsonResponse({"status": "ok", "queues": queues})


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)
